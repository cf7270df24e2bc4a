// bootstrap: the AWS Lambda custom runtime for Switchboard's functions.
LambdaShim.main()
