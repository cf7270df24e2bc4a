import SwitchboardCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Who an admin token speaks for, once verified, and what they may see.
public struct AdminIdentity: Sendable, Equatable {
    /// What a token may do.
    public enum Role: Sendable, Equatable {
        /// An operator of the platform: every company.
        case admin
        /// An admin of one company: that company only.
        case company(CompanyID)
    }

    /// The token's `sub`: who is acting, recorded as `updatedBy`.
    public let subject: String
    public let role: Role
    /// When the token stops being accepted (its `exp`).
    public let expiresAt: Date

    public init(subject: String, role: Role, expiresAt: Date) {
        self.subject = subject
        self.role = role
        self.expiresAt = expiresAt
    }

    /// True for a platform admin.
    public var isPlatformAdmin: Bool { role == .admin }

    /// Whether the token may see and change company `id`. A company token asking for
    /// another company must be answered exactly as if that company did not exist.
    public func mayAccess(_ id: CompanyID) -> Bool {
        switch role {
        case .admin: true
        case .company(let own): own == id
        }
    }
}
