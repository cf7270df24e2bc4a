// SMS: answers Twilio's incoming-message webhook for every company's numbers.
import SwitchboardRuntime

FunctionRuntime.main(SMSHandler.self, functionName: "SMS")
