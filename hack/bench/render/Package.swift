// swift-tools-version:6.1
// Render benchmark: PromptOpsMustache vs hummingbird-project/swift-mustache.
// Not a test. Run with ./run (release build, scratch path .build-bench).
import PackageDescription

let package = Package(
    name: "MustacheRenderBench",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "PromptOps", path: "../../.."),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", exact: "2.1.1"),
    ],
    targets: [
        .executableTarget(
            name: "MustacheRenderBench",
            dependencies: [
                .product(name: "PromptOpsMustache", package: "PromptOps"),
                .product(name: "Mustache", package: "swift-mustache"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
