import CaroKit

#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The write end of the self-pipe the signal handler reports to (set while a ``Terminal`` is open).
nonisolated(unsafe) private var signalPipeWriteEnd: Int32 = -1

/// Async-signal-safe: writes the signal's number to the self-pipe; the picker's loop reads it.
private func reportSignal(_ number: Int32) {
    var byte = UInt8(truncatingIfNeeded: number)
    _ = write(signalPipeWriteEnd, &byte, 1)
}

/// The controlling terminal (`/dev/tty`, so the picker works while stdout is captured by the shell),
/// in raw mode on the alternate screen while the picker runs. ``restore()`` puts everything back; the
/// caller runs it on every way out (keys, SIGINT, SIGTERM, SIGHUP all end the loop through the
/// self-pipe, never in a signal handler).
final class Terminal {
    /// The terminal's descriptor (read and write).
    let fd: Int32
    /// The read end of the signal self-pipe: one byte per signal (SIGWINCH, SIGINT, SIGTERM, SIGHUP).
    let signals: Int32
    private let signalWriteEnd: Int32
    private var original = termios()
    private var active = false
    static let handledSignals = [SIGWINCH, SIGINT, SIGTERM, SIGHUP]

    /// Opens `/dev/tty`; throws when the process has no terminal.
    init() throws(CaroError) {
        fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else {
            throw .failed("The interactive search needs a terminal (/dev/tty could not be opened); without one, use caro history search TEXT.")
        }
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else {
            close(fd)
            throw .failed("Could not create a pipe for the interactive search (\(String(cString: strerror(errno)))); try again.")
        }
        (signals, signalWriteEnd) = (ends[0], ends[1])
        for end in ends { _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK) }
        guard tcgetattr(fd, &original) == 0 else {
            for descriptor in [fd, signals, signalWriteEnd] { close(descriptor) }
            throw .failed("/dev/tty is not a terminal the interactive search can use; use caro history search TEXT.")
        }
    }

    deinit {
        restore()
        for descriptor in [fd, signals, signalWriteEnd] { close(descriptor) }
    }

    /// Raw mode (no echo, no line editing, no signals from keys), the alternate screen, and the signal handlers.
    func enter() {
        signalPipeWriteEnd = signalWriteEnd
        for number in Self.handledSignals { signal(number, reportSignal) }
        // A parent may have left them blocked (the mask is inherited through exec).
        var set = sigset_t()
        sigemptyset(&set)
        for number in Self.handledSignals { sigaddset(&set, number) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        var raw = original
        raw.c_lflag &= ~tcflag_t(ECHO | ICANON | ISIG | IEXTEN)
        raw.c_iflag &= ~tcflag_t(IXON | ICRNL | INLCR | BRKINT | ISTRIP)
        withUnsafeMutableBytes(of: &raw.c_cc) { cc in
            cc[Int(VMIN)] = 0
            cc[Int(VTIME)] = 0
        }
        tcsetattr(fd, TCSANOW, &raw)
        active = true
        write("\u{1B}[?1049h\u{1B}[H\u{1B}[2J")
    }

    /// Leaves the alternate screen and restores the terminal settings and the default signal actions.
    /// Safe to call more than once.
    func restore() {
        guard active else { return }
        active = false
        write("\u{1B}[0m\u{1B}[?25h\u{1B}[?1049l")
        tcsetattr(fd, TCSANOW, &original)
        for number in Self.handledSignals { signal(number, SIG_DFL) }
        signalPipeWriteEnd = -1
    }

    /// Writes all of `text` to the terminal.
    func write(_ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { buffer in
                Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }
            offset += written
        }
    }

    /// The terminal's size (rows, columns); 24 × 80 when it cannot be read.
    func size() -> (rows: Int, columns: Int) {
        var size = winsize()
        guard ioctl(fd, UInt(TIOCGWINSZ), &size) == 0, size.ws_row > 0, size.ws_col > 0 else { return (24, 80) }
        return (Int(size.ws_row), Int(size.ws_col))
    }

    /// What woke the loop up.
    enum Event {
        case input([UInt8])
        case signal(Int32)
    }

    /// Waits for input or a signal. After an ESC at the end of the input it waits up to 30 ms for the
    /// rest of an escape sequence, so a split arrow key is not taken for Esc.
    func next() -> Event {
        while true {
            var descriptors = [pollfd(fd: signals, events: Int16(POLLIN), revents: 0), pollfd(fd: fd, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&descriptors, 2, -1)
            if ready < 0 {
                if errno == EINTR { continue }
                return .signal(SIGHUP)
            }
            if descriptors[0].revents != 0 {
                var byte: UInt8 = 0
                if read(signals, &byte, 1) == 1 { return .signal(Int32(byte)) }
            }
            if descriptors[1].revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0 && descriptors[1].revents & Int16(POLLIN) == 0 {
                return .signal(SIGHUP)
            }
            if descriptors[1].revents != 0 {
                var bytes = readAvailable()
                if bytes.isEmpty { return .signal(SIGHUP) }  // the terminal went away
                if bytes.last == 0x1B {
                    var more = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0)]
                    if poll(&more, 1, 30) > 0 { bytes += readAvailable() }
                }
                return .input(bytes)
            }
        }
    }

    private func readAvailable() -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        return count > 0 ? Array(buffer.prefix(count)) : []
    }
}
