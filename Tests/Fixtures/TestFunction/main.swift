import SwitchboardBase
import SwitchboardRuntime

// TestFunction: a function that misbehaves on request, for the shim's and the local
// server's tests. The event's rawPath says what to do:
//   /crash  abort mid-invocation        /exit   exit(3) mid-invocation
//   /hang   never answer                /pid    answer with this process's id
//   /log    write a marker line to standard error, then answer
//   anything else: 200 with the path
// With TEST_FUNCTION_FAIL_INIT set, the handler refuses to start.
#if canImport(Glibc)
import Glibc
#endif

struct TestFunctionHandler: FunctionHandler {
    struct StartFailure: Error, CustomStringConvertible {
        let description = "TestFunction was told to fail its start-up (TEST_FUNCTION_FAIL_INIT)"
    }

    init(context: FunctionInitContext) throws {
        if context.environment["TEST_FUNCTION_FAIL_INIT"] != nil { throw StartFailure() }
    }

    func handle(_ event: HTTPEvent, context: InvocationContext) throws -> HTTPResponse {
        switch event.rawPath {
        case "/crash": abort()
        case "/exit": exit(3)
        case "/hang":
            while true { sleep(60) }
        case "/pid": return .text(200, String(getpid()))
        case "/log":
            context.logger.info("test.marker", metadata: ["marker": "\(event.rawQueryString)"])
            return .text(200, "logged")
        default: return .text(200, "ok \(event.rawPath)")
        }
    }
}

FunctionRuntime.main(TestFunctionHandler.self, functionName: "TestFunction")
