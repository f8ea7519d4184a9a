#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Auto-sync (`caro prefs set sync-frequency MINUTES`): after `caro history add`, a detached one-shot
/// `caro sync now` at most once per interval. No daemon: the child runs in its own session with its
/// standard streams on /dev/null, and is adopted by init when `add` exits (no zombie, no output). It
/// gives up at once if another process holds this device's session lock (`sync watch`, or another
/// sync, which pushes the entry itself or with the next interval): nothing is lost, entries stay pending.
public enum AutoSync {
    /// Called after an entry was stored. Costs one `stat` when sync is not set up on this home.
    /// `frequencyMinutes` is asked only then (it reads the preferences); `config.toml` is read only when
    /// that is not 0: `auto-sync = false` there turns auto-sync off on this device (an unreadable file too).
    public static func afterAdd(home: DeviceHome, now: Int64, frequencyMinutes: () -> Int) {
        var info = stat()
        guard stat(DeviceCredentials.path(in: home), &info) == 0 else { return }
        let minutes = frequencyMinutes()
        guard minutes > 0, (try? ConfigFile.load(home))?.autoSync == true,
            claim(home: home, now: now, intervalMilliseconds: Int64(minutes) * 60_000)
        else { return }
        spawnSyncNow(home: home)
    }

    /// True (and the stamp renewed) when the last auto-sync started at least an interval ago.
    static func claim(home: DeviceHome, now: Int64, intervalMilliseconds: Int64) -> Bool {
        let path = home.dataDirectory + "/auto-sync.stamp"
        var info = stat()
        if stat(path, &info) == 0 {
            let last = Int64(info.st_mtim.tv_sec) * 1_000 + Int64(info.st_mtim.tv_nsec) / 1_000_000
            if now - last < intervalMilliseconds { return false }
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return futimens(fd, nil) == 0
    }

    /// Starts `<this executable> [--home DIR] sync now --quiet --if-idle` detached.
    static func spawnSyncNow(home: DeviceHome) {
        var arguments = ["caro"]
        // A home given as one directory (--home or CARO_HOME) is passed on; XDG homes come from the environment.
        if home.dataDirectory == home.configDirectory { arguments += ["--home", home.dataDirectory] }
        arguments += ["sync", "now", "--quiet", "--if-idle"]
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // POSIX_SPAWN_SETSID (glibc 2.26+, hidden behind _GNU_SOURCE from Swift): the child leads its own session.
        posix_spawnattr_setflags(&attributes, Int16(0x80))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for descriptor: Int32 in [0, 1, 2] {
            posix_spawn_file_actions_addopen(&actions, descriptor, "/dev/null", descriptor == 0 ? O_RDONLY : O_WRONLY, 0)
        }
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        _ = posix_spawn(&pid, "/proc/self/exe", &actions, &attributes, &argv, environ)
    }
}
