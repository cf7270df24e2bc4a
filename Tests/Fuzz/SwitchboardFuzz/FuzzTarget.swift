/// One parser Switchboard points at bytes from outside, with the properties that must
/// hold for any input. A target traps (`preconditionFailure`) when a property fails, so
/// libFuzzer records the input as a crash.
struct FuzzTarget: Sendable {
    /// The name `SwitchboardFuzz <name>` and the corpus folder `Tests/Fuzz/corpus/<name>` use.
    let name: String
    /// What is parsed.
    let summary: String
    /// Runs one input.
    let run: @Sendable ([UInt8]) -> Void
}

/// Stops with `message` when `condition` is false: a property the input broke.
func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { preconditionFailure("property broken: " + message()) }
}
