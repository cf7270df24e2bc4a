// Outbound: the platform's services send messages and place calls from a company's own numbers.
import SwitchboardRuntime

FunctionRuntime.main(OutboundHandler.self, functionName: "Outbound")
