// swift-tools-version:6.1
//
// Switchboard: serverless Twilio webhooks for many companies, each with its own
// Twilio account. See README.md for the layout and DESIGN notes.

import PackageDescription

/// The Lambda build (scripts/package.sh) also compiles every module, these and their
/// dependencies, to instantiate generic types through their metadata accessors rather than
/// by mangled name: docs/building.md says what that buys.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

/// How the functions and bootstrap are linked for a fast process start, when
/// scripts/package.sh builds them for Lambda (it sets SWITCHBOARD_LAMBDA_LINK=1 and links
/// the Swift runtime in, `--static-swift-stdlib`): the C++ runtime statically (the linker
/// script in Runtime/link/cxx), no dynamic symbol table of the executable's own symbols,
/// and, in release builds on Linux, a position-dependent executable (`-no-pie`).
///
/// Each needs the Swift runtime linked statically: beside the shared one, a second C++
/// runtime would be linked in, and the loader warns about a position-dependent executable
/// at every start. So a plain `swift build` or `swift build -c release` links as Swift
/// always does. docs/building.md says what each buys.
let linksForLambda = Context.environment["SWITCHBOARD_LAMBDA_LINK"] == "1"
let leanStart: [LinkerSetting] =
    linksForLambda
    ? [
        .unsafeFlags(["-L", Context.packageDirectory + "/Runtime/link/cxx", "-Xlinker", "--no-export-dynamic"]),
        .unsafeFlags(["-Xclang-linker", "-no-pie"], .when(platforms: [.linux], configuration: .release)),
    ] : []

let package = Package(
    name: "Switchboard",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "bootstrap", targets: ["bootstrap"]),
        .executable(name: "Voice", targets: ["Voice"]),
        .executable(name: "SMS", targets: ["SMS"]),
        .executable(name: "ConfigGet", targets: ["ConfigGet"]),
        .executable(name: "ConfigPut", targets: ["ConfigPut"]),
        .executable(name: "Health", targets: ["Health"]),
        .executable(name: "Outbound", targets: ["Outbound"]),
        .executable(name: "switchboard", targets: ["switchboard"]),
        .executable(name: "switchboard-bench", targets: ["SwitchboardBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", exact: "4.5.2"),
        .package(url: "https://github.com/apple/swift-log.git", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", exact: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", exact: "2.28.1"),
        .package(url: "https://github.com/vapor/jwt-kit.git", exact: "5.8.0"),
        // What `switchboard serve` uses of Hummingbird's own dependencies, named here
        // because it imports them.
        .package(url: "https://github.com/apple/swift-nio.git", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-http-types.git", exact: "1.8.0"),
    ],
    targets: [
        // C libraries: one module map each, and one Swift wrapper each in Drivers.
        // Linked statically (libsqlite3.a, through the linker script in Runtime/link/sqlite).
        .systemLibrary(
            name: "CSQLite",
            path: "Core/CSQLite",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .systemLibrary(
            name: "CHiredis",
            path: "Core/CHiredis",
            providers: [.apt(["libhiredis-dev"])]
        ),
        // How libcurl, OpenSSL and libmongoc are loaded: at run time (dlopen), the first
        // time a process needs them.
        .target(
            name: "CLibraryLoader",
            path: "Core/CLibraryLoader",
            linkerSettings: [.linkedLibrary("dl")]
        ),
        // libcurl's headers come from libcurl4-openssl-dev.
        .target(
            name: "CCurl",
            dependencies: ["CLibraryLoader"],
            path: "Core/CCurl"
        ),
        // One driver target per C library, so an executable links only the libraries it
        // uses: a function never loads libcurl's thirty-odd libraries at start-up.
        .target(
            name: "SQLiteDriver",
            dependencies: ["CSQLite"],
            path: "Core/Drivers/SQLite",
            swiftSettings: strictSettings,
            linkerSettings: [.unsafeFlags(["-L", Context.packageDirectory + "/Runtime/link/sqlite"])]
        ),
        // OpenSSL is loaded at run time (dlopen), only for a rediss:// Redis; its headers
        // come from libssl-dev.
        .target(
            name: "CTLS",
            dependencies: ["CLibraryLoader"],
            path: "Core/CTLS"
        ),
        .target(
            name: "TLSDriver",
            dependencies: ["CTLS"],
            path: "Core/Drivers/TLS",
            swiftSettings: strictSettings
        ),
        .target(
            name: "RedisDriver",
            dependencies: ["CHiredis", "TLSDriver"],
            path: "Core/Drivers/Redis",
            swiftSettings: strictSettings
        ),
        // libmongoc: its few types and functions declared by hand (no headers needed to build).
        .target(
            name: "CMongoC",
            dependencies: ["CLibraryLoader"],
            path: "Core/CMongoC",
            exclude: ["check"]  // compiled against the real headers by `make check-mongoc`
        ),
        .target(
            name: "MongoDriver",
            dependencies: ["CMongoC", .product(name: "Logging", package: "swift-log")],
            path: "Core/Drivers/Mongo",
            swiftSettings: strictSettings
        ),
        .target(
            name: "HTTPDriver",
            dependencies: ["CCurl", "TLSDriver"],
            path: "Core/Drivers/HTTP",
            swiftSettings: strictSettings
        ),
        .target(
            name: "SwitchboardCore",
            dependencies: [
                "SQLiteDriver",
                "RedisDriver",
                "MongoDriver",
                "TLSDriver",
                "SwitchboardBase",
                "SwitchboardJSON",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Core/SwitchboardCore",
            swiftSettings: strictSettings
        ),
        // Twilio's REST API over the libcurl driver: in its own target so that SMS, and Voice
        // answering a call, never load libcurl (Voice loads it only to announce a voicemail).
        .target(
            name: "TwilioREST",
            dependencies: [
                "HTTPDriver", "SwitchboardBase", "SwitchboardCore", "SwitchboardJSON",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Core/TwilioREST",
            swiftSettings: strictSettings
        ),
        // Telling companies of their voicemails and missed calls: text messages through
        // their own Twilio accounts, e-mail through the deployment's relay (libcurl's SMTP).
        .target(
            name: "SwitchboardNotify",
            dependencies: [
                "HTTPDriver", "SwitchboardBase", "SwitchboardCore", "TwilioREST",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Core/SwitchboardNotify",
            swiftSettings: strictSettings
        ),
        // What the admin-side functions share: admin tokens, problem responses, the
        // config API's view, validation, credential checks and webhook set-up.
        .target(
            name: "SwitchboardAdmin",
            dependencies: [
                "SwitchboardBase",
                "SwitchboardCore",
                "SwitchboardJSON",
                "TwilioREST",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Core/SwitchboardAdmin",
            swiftSettings: strictSettings
        ),
        // Keeps the executables loadable on Amazon Linux 2023's older glibc.
        .target(
            name: "CGlibcCompat",
            path: "Runtime/CGlibcCompat",
            linkerSettings: [.linkedLibrary("m")]
        ),
        // The bottom of Switchboard's own modules, in Base/, which the runtime and the core
        // both stand on: the strict JSON reader, the JSON and byte writers, and UTF-8
        // ordering; what every function answers, the one configuration error, and the one
        // writer of the time format.
        .target(
            name: "SwitchboardJSON",
            path: "Base/SwitchboardJSON",
            swiftSettings: strictSettings
        ),
        .target(
            name: "SwitchboardBase",
            path: "Base/SwitchboardBase",
            swiftSettings: strictSettings
        ),
        .target(
            name: "SwitchboardRuntime",
            dependencies: [
                "CGlibcCompat",
                "SwitchboardBase",
                "SwitchboardJSON",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Runtime/SwitchboardRuntime",
            swiftSettings: strictSettings
        ),
        // The front half every Twilio webhook function shares: the event read, decoded and
        // put through the gate, and the answer written back. It stands on the core and the
        // runtime, as the functions do, so it lives beside them.
        .target(
            name: "WebhookFunction",
            dependencies: [
                "SwitchboardBase", "SwitchboardCore", "SwitchboardRuntime",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Functions/WebhookFunction",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "bootstrap",
            dependencies: [
                "SwitchboardRuntime", "SwitchboardJSON", "HTTPDriver", .product(name: "Logging", package: "swift-log"),
            ],
            path: "Runtime/bootstrap",
            swiftSettings: strictSettings,
            linkerSettings: leanStart
        ),
        .executableTarget(
            name: "Voice",
            dependencies: [
                "SwitchboardCore", "SwitchboardBase", "SwitchboardNotify", "SwitchboardRuntime", "WebhookFunction",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Functions/Voice",
            swiftSettings: strictSettings,
            linkerSettings: leanStart
        ),
        .executableTarget(
            name: "SMS",
            dependencies: [
                "SwitchboardCore", "SwitchboardBase", "SwitchboardRuntime", "WebhookFunction",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Functions/SMS",
            swiftSettings: strictSettings,
            linkerSettings: leanStart
        ),
        .executableTarget(
            name: "ConfigGet",
            dependencies: [
                "SwitchboardAdmin", "SwitchboardCore", "SwitchboardBase", "SwitchboardNotify", "SwitchboardRuntime",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Functions/ConfigGet",
            swiftSettings: strictSettings,
            linkerSettings: leanStart
        ),
        .executableTarget(
            name: "ConfigPut",
            dependencies: [
                "SwitchboardAdmin", "SwitchboardCore", "TwilioREST", "SwitchboardBase", "SwitchboardRuntime",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Functions/ConfigPut",
            swiftSettings: strictSettings,
            linkerSettings: leanStart
        ),
        .executableTarget(
            name: "Health",
            dependencies: [
                "SwitchboardAdmin", "SwitchboardCore", "SwitchboardBase", "SwitchboardNotify", "SwitchboardRuntime",
                "SwitchboardJSON", "TwilioREST",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Functions/Health",
            swiftSettings: strictSettings,
            linkerSettings: leanStart
        ),
        .executableTarget(
            name: "Outbound",
            dependencies: [
                "SwitchboardAdmin", "SwitchboardCore", "SwitchboardBase", "SwitchboardRuntime",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Functions/Outbound",
            swiftSettings: strictSettings,
            linkerSettings: leanStart
        ),
        .executableTarget(
            name: "switchboard",
            dependencies: [
                "SwitchboardCore",
                "SwitchboardAdmin",
                "SwitchboardNotify",
                "TwilioREST",
                "SwitchboardBase",
                "SwitchboardRuntime",
                "SwitchboardJSON",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Tools/switchboard",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "SwitchboardBench",
            dependencies: [
                "SwitchboardBase", "SwitchboardCore", "SwitchboardRuntime", "SwitchboardJSON", "RedisDriver",
                "TLSDriver",
                "HTTPDriver", "CSQLite",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/SwitchboardBench",
            swiftSettings: strictSettings
        ),
        // Fuzzing: `make fuzz` builds SwitchboardFuzz with libFuzzer; a plain build replays
        // the kept corpora (Tests/Fuzz/corpus) in `make test`.
        .executableTarget(
            name: "SwitchboardFuzz",
            dependencies: [
                "SwitchboardAdmin", "SwitchboardBase", "SwitchboardCore", "SwitchboardRuntime", "SwitchboardJSON",
                "WebhookFunction",
            ],
            path: "Tests/Fuzz/SwitchboardFuzz",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "TestFunction",
            dependencies: ["SwitchboardBase", "SwitchboardRuntime"],
            path: "Tests/Fixtures/TestFunction",
            swiftSettings: strictSettings
        ),
        .target(
            name: "TestSupport",
            dependencies: ["HTTPDriver", "SwitchboardCore"],
            path: "Tests/TestSupport",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SwitchboardCoreTests",
            dependencies: [
                "SwitchboardBase", "SwitchboardCore", "SwitchboardJSON", "RedisDriver", "TLSDriver", "SQLiteDriver",
                "TestSupport", .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/SwitchboardCoreTests",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SwitchboardAdminTests",
            dependencies: [
                "SwitchboardAdmin", "SwitchboardBase", "SwitchboardCore", "SwitchboardJSON", "TwilioREST",
                "TestSupport",
            ],
            path: "Tests/SwitchboardAdminTests",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SwitchboardRuntimeTests",
            dependencies: [
                "SwitchboardBase", "SwitchboardRuntime", "SwitchboardJSON",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/SwitchboardRuntimeTests",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "Voice", "SMS", "ConfigGet", "ConfigPut", "Health", "Outbound", "switchboard", "bootstrap",
                "TestFunction", "SwitchboardBase", "SwitchboardCore", "SwitchboardRuntime", "HTTPDriver", "TestSupport",
            ],
            path: "Tests/EndToEndTests",
            swiftSettings: strictSettings
        ),
    ]
)
