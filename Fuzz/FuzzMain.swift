// The libFuzzer entry point of the one fuzz binary `scripts/fuzz.sh` builds for all targets
// (one build instead of four): FUZZ_TARGET picks the target. Not part of the Swift package.
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

private let target: (UnsafeBufferPointer<UInt8>) -> Void = {
    switch getenv("FUZZ_TARGET").map({ String(cString: $0) }) {
    case "gob": return fuzzGob
    case "json": return fuzzJSON
    case "file": return fuzzFile
    case "hash": return fuzzHash
    case "php": return fuzzPHP
    case "flask": return fuzzFlask
    case let other: fatalError("FUZZ_TARGET must be gob, json, file, hash, php or flask, not \(other ?? "unset")")
    }
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    target(UnsafeBufferPointer(start: data, count: size))
    return 0
}
