import Foundation
import Glibc
@testable import JazzProto

/// Set JAZZ_TRANSPORT_DEBUG_LOG=/path to collect info-level transport logs while debugging.
let debugLogInstalled: Bool = {
    guard let path = ProcessInfo.processInfo.environment["JAZZ_TRANSPORT_DEBUG_LOG"] else { return false }
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0o644)
    TransportLog.setHandler(minimumLevel: .info) { record in
        let line = "\(TransportClock.monotonicNanoseconds() / 1000) t\(UInt(pthread_self()) % 100000) \(record)\n"
        _ = line.withCString { Glibc.write(fd, $0, strlen($0)) }
    }
    return true
}()
