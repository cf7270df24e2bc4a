#if canImport(Glibc)
import Glibc
#endif

/// Where this machine keeps the certificate authorities it trusts, as one PEM bundle.
///
/// The OpenSSL and libcurl Switchboard ships in its Lambda zips are Debian's, which look
/// for Debian's bundle (`/etc/ssl/certs/ca-certificates.crt`); Amazon Linux keeps its
/// own elsewhere. So the bundle is found here, by name: `SSL_CERT_FILE` when set, else
/// the first of the distributions' usual places that exists.
public enum SystemTrust {
    /// The places looked at, in order.
    static let candidates = [
        "/etc/ssl/certs/ca-certificates.crt",  // Debian, Ubuntu
        "/etc/pki/tls/certs/ca-bundle.crt",  // Amazon Linux, Fedora, RHEL
        "/etc/ssl/ca-bundle.pem",  // openSUSE
        "/etc/ssl/cert.pem",  // Alpine, macOS
    ]

    /// The bundle's path, or `nil` when none is found.
    public static let bundle: String? = {
        if let named = getenv("SSL_CERT_FILE").map({ String(cString: $0) }), !named.isEmpty { return named }
        return candidates.first { access($0, R_OK) == 0 }
    }()
}
