// swift-tools-version:6.1
import PackageDescription

/// This package's folder: the link order file is named by an absolute path, whatever
/// folder the link runs in.
let packageRoot = String(#filePath.dropLast("/Package.swift".count))

let package = Package(
    name: "PromptOps",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "promptops", targets: ["promptops"]),
        .library(name: "PromptOpsCore", targets: ["PromptOpsCore"]),
        .library(name: "PromptOpsMustache", targets: ["PromptOpsMustache"]),
        .library(name: "PromptOpsGit", targets: ["PromptOpsGit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", exact: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client", exact: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-metrics", exact: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", exact: "2.4.1"),
        .package(url: "https://github.com/apple/swift-distributed-tracing", exact: "1.7.3"),
        // OTLP/HTTP only: the gRPC exporter (and its build) stays out.
        .package(url: "https://github.com/swift-otel/swift-otel", exact: "1.6.0", traits: ["OTLPHTTP"]),
    ],
    targets: [
        .systemLibrary(
            name: "CLibGit2",
            pkgConfig: "libgit2",
            providers: [.apt(["libgit2-dev"])]
        ),
        .systemLibrary(
            name: "CGPGME",
            pkgConfig: "gpgme",
            providers: [.apt(["libgpgme-dev"])]
        ),
        .target(name: "PromptOpsMustache"),
        // zlib (Debian's libz, which libgit2 links too): compacted templates keep their spec deflated.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        // The controller's long-lived objects in a jemalloc arena of their own (no dependencies).
        .target(name: "PromptOpsHeap"),
        .target(name: "PromptOpsGit", dependencies: ["CLibGit2", "PromptOpsCore"]),
        .target(name: "PromptOpsOpenPGP", dependencies: ["CGPGME", "PromptOpsCore"]),
        .target(
            name: "PromptOpsCore",
            dependencies: [
                "PromptOpsMustache", "CZlib",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "PromptOpsStore",
            dependencies: [
                "PromptOpsCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        .target(
            name: "PromptOpsAnalysis",
            dependencies: [
                "PromptOpsCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "PromptOpsServer",
            dependencies: [
                "PromptOpsCore", "PromptOpsStore", "PromptOpsMustache", "PromptOpsHeap",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"), .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .target(
            name: "PromptOpsController",
            dependencies: [
                "PromptOpsCore", "PromptOpsGit", "PromptOpsStore", "PromptOpsServer", "PromptOpsAnalysis", "PromptOpsOpenPGP", "PromptOpsHeap",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        .executableTarget(
            name: "promptops",
            dependencies: [
                "PromptOpsCore", "PromptOpsGit", "PromptOpsStore", "PromptOpsServer", "PromptOpsController", "PromptOpsOpenPGP",
                "PromptOpsAnalysis",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"), .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "OTel", package: "swift-otel"), .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            // jemalloc as the process allocator: a controller holds tens of thousands of small
            // objects for as long as it runs, and glibc's arenas let them pin freed pages
            // (hack/bench/sync measures it). Installed by hack/install-deps (libjemalloc-dev).
            // Linked by the toolchain's lld without exporting the executable's own symbols
            // (nothing looks them up: the Swift runtime finds metadata through its sections, and
            // HeapTrim's dlsym finds jemalloc's `mallctl` in the library): their dynamic symbol
            // tables (5.2 MB) were pages every controller kept resident; hack/release also packs
            // the start-up relocations (3.7 MB). Release links place the functions a controller
            // runs first, together (hack/link-order.txt, written by hack/link-order).
            linkerSettings: [
                .linkedLibrary("jemalloc"),
                .unsafeFlags(["-use-ld=lld", "-Xlinker", "--no-export-dynamic"], .when(platforms: [.linux])),
                .unsafeFlags(["-Xlinker", "--symbol-ordering-file=\(packageRoot)/hack/link-order.txt", "-Xlinker", "--no-warn-symbol-ordering"],
                             .when(platforms: [.linux], configuration: .release)),
            ]
        ),
        // Child processes for tests (posix_spawn, no inherited descriptors, bounded waits).
        .target(name: "PromptOpsTestSupport", path: "Tests/TestSupport"),
        // hack/bench/judge: the comparative judge over synthetic streams (not a test).
        .executableTarget(name: "JudgeBench", dependencies: ["PromptOpsCore"]),
        .testTarget(name: "PromptOpsMustacheTests", dependencies: ["PromptOpsMustache"]),
        .testTarget(name: "PromptOpsCoreTests", dependencies: ["PromptOpsCore", "PromptOpsTestSupport", .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(name: "PromptOpsGitTests", dependencies: ["PromptOpsGit", "PromptOpsTestSupport"]),
        .testTarget(
            name: "PromptOpsStoreTests",
            dependencies: ["PromptOpsStore", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(
            name: "PromptOpsAnalysisTests",
            dependencies: ["PromptOpsAnalysis", .product(name: "Hummingbird", package: "hummingbird")]
        ),
        .testTarget(name: "PromptOpsServerTests", dependencies: [
            "PromptOpsServer", "PromptOpsCore", .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "Crypto", package: "swift-crypto"), .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "NIOEmbedded", package: "swift-nio"),
        ]),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "PromptOpsController", "PromptOpsServer", "PromptOpsStore", "PromptOpsGit", "PromptOpsCore", "PromptOpsAnalysis",
                "PromptOpsOpenPGP", "PromptOpsTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// libFuzzer targets (hack/fuzz), declared only when PROMPTOPS_FUZZ is set so that normal
// builds and `swift build --build-tests` never see them. They link only with
// `-Xswiftc -sanitize=fuzzer` (libFuzzer supplies the driver), in a debug build (their
// main.swift hands control to LLVMFuzzerRunDriver); hack/fuzz builds them into .build-fuzz.
if Context.environment["PROMPTOPS_FUZZ"] != nil {
    package.targets += [
        .executableTarget(name: "FuzzMustache", dependencies: ["PromptOpsMustache"],
                          path: "Fuzz/FuzzMustache", exclude: ["seeds", "fuzz.dict"]),
        .executableTarget(name: "FuzzManifest", dependencies: ["PromptOpsCore"],
                          path: "Fuzz/FuzzManifest", exclude: ["seeds", "fuzz.dict"]),
        .executableTarget(name: "FuzzRenderRequest", dependencies: ["PromptOpsServer", "PromptOpsCore", "PromptOpsStore"],
                          path: "Fuzz/FuzzRenderRequest", exclude: ["seeds", "fuzz.dict"]),
    ]
}
