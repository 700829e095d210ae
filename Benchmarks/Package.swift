// swift-tools-version:6.1
// Benchmarks live in their own package so the product's dependency graph stays free of
// benchmark-only packages. Run: Benchmarks/run-codec.sh (see Benchmarks/README.md).
import PackageDescription

let upcomingFeatures: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "HeraldBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", from: "1.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.1.0"),
    ],
    targets: [
        // The codec itself, compiled from the product's own sources (a symlink), so the benchmark
        // measures exactly what ships without resolving the product's server dependencies.
        .target(
            name: "ServerSentEvents",
            path: "ServerSentEventsSource",
            swiftSettings: upcomingFeatures
        ),
        // The client, likewise from the product's sources.
        .target(
            name: "EventSourceClient",
            dependencies: [
                "ServerSentEvents",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "EventSourceClientSource",
            swiftSettings: upcomingFeatures
        ),
        // Serves an event stream as fast as loopback takes it, for the client benchmark.
        .executableTarget(
            name: "StreamServer",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Benchmarks/StreamServer"
        ),
        // Reads that stream with EventSource (and with async-http-client alone, for the ceiling).
        .executableTarget(
            name: "ClientThroughput",
            dependencies: [
                "EventSourceClient",
                "ServerSentEvents",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Benchmarks/ClientThroughput"
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
        ),
    ]
)
