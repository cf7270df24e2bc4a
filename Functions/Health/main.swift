// Health: the state of MongoDB, Redis, Twilio and every tenant's set-up.
import SwitchboardRuntime

FunctionRuntime.main(HealthHandler.self, functionName: "Health")
