// Voice: answers Twilio's incoming-call webhook for every company's numbers.
import SwitchboardRuntime

FunctionRuntime.main(VoiceHandler.self, functionName: "Voice")
