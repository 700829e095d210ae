// swift-tools-version:6.1
// Benchmarks live in their own package so the product's dependency graph stays free of
// benchmark-only packages. Run: Benchmarks/run-codec.sh (see Benchmarks/README.md).
import PackageDescription

let package = Package(
    name: "HeraldBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", from: "1.13.0"),
    ],
    targets: [
        // The codec itself, compiled from the product's own sources (a symlink), so the benchmark
        // measures exactly what ships without resolving the product's server dependencies.
        .target(
            name: "ServerSentEvents",
            path: "ServerSentEventsSource",
            swiftSettings: [
                .enableUpcomingFeature("ExistentialAny"),
                .enableUpcomingFeature("MemberImportVisibility"),
                .enableUpcomingFeature("InternalImportsByDefault"),
            ]
        ),
        .executableTarget(
            name: "CodecBenchmarks",
            dependencies: [
                "ServerSentEvents",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
            ],
            path: "Benchmarks/CodecBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    ]
)
