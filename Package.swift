// swift-tools-version:6.1
import PackageDescription

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
    ],
    targets: [
        .systemLibrary(
            name: "CLibGit2",
            pkgConfig: "libgit2",
            providers: [.apt(["libgit2-dev"])]
        ),
        .target(name: "PromptOpsMustache"),
        .target(name: "PromptOpsGit", dependencies: ["CLibGit2"]),
        .target(
            name: "PromptOpsCore",
            dependencies: [
                "PromptOpsMustache",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "promptops",
            dependencies: [
                "PromptOpsCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "PromptOpsMustacheTests", dependencies: ["PromptOpsMustache"]),
        .testTarget(name: "PromptOpsCoreTests", dependencies: ["PromptOpsCore"]),
        .testTarget(name: "PromptOpsGitTests", dependencies: ["PromptOpsGit"]),
    ],
    swiftLanguageModes: [.v6]
)
