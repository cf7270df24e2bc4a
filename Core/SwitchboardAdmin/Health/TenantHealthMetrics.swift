import SwitchboardCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The tenants' side of a scheduled Health run, as one CloudWatch Embedded Metric Format
/// line (namespace `Switchboard`, no dimension): `CompaniesDown`, `CompaniesChecked` (by
/// this run), `CompaniesNeverChecked` and `OldestCheckAgeSeconds` (the oldest last check;
/// 0 before the first). template.yaml alarms on the first and the last.
public enum TenantHealthMetrics {
    public static func line(
        summary: CompanyHealthSummary, checkedThisRun: Int, now: Date, namespace: String = "Switchboard"
    ) -> String {
        let milliseconds = Int64(now.timeIntervalSince1970 * 1_000)
        let age = summary.oldestCheckAt.flatMap(Timestamp.parse).map { max(0, Int(now.timeIntervalSince($0))) } ?? 0
        let metrics: [(String, String, Int)] = [
            ("CompaniesDown", "Count", summary.down), ("CompaniesChecked", "Count", checkedThisRun),
            ("CompaniesNeverChecked", "Count", summary.neverChecked), ("OldestCheckAgeSeconds", "Seconds", age),
        ]
        var line =
            "{\"_aws\":{\"Timestamp\":\(milliseconds),\"CloudWatchMetrics\":[{\"Namespace\":\"\(namespace)\",\"Dimensions\":[[]],\"Metrics\":["
        line += metrics.map { "{\"Name\":\"\($0.0)\",\"Unit\":\"\($0.1)\"}" }.joined(separator: ",")
        line += "]}]}"
        for (name, _, value) in metrics { line += ",\"\(name)\":\(value)" }
        return line + "}"
    }
}
