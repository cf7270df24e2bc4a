// bootstrap: the AWS Lambda custom runtime for Switchboard's functions.
import SwitchboardRuntime

LambdaShim.main()
