// ConfigPut: an admin changes a company's Twilio settings.
import SwitchboardRuntime

FunctionRuntime.main(ConfigPutHandler.self, functionName: "ConfigPut")
