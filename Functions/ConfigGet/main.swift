// ConfigGet: an admin reads a company's Twilio settings, or the list of companies.
import SwitchboardRuntime

FunctionRuntime.main(ConfigGetHandler.self, functionName: "ConfigGet")
