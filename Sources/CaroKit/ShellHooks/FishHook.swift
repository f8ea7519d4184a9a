/// The fish hook: `fish_preexec` notes the directory and the start time; `fish_postexec` has the command
/// line, its status and fish's own `CMD_DURATION`, and starts `caro history add` in the background, disowned.
///
/// fish has no clock of its own (no `EPOCHREALTIME`), so the start time comes from one `date` run before
/// each command (about a millisecond). Without it, each background `caro history add` would stamp the
/// entry when it happened to run, and two commands a few milliseconds apart could be recorded in the
/// wrong order. Where `date` cannot print milliseconds (BSD `date` prints `%3N` as is), `--at` is left
/// out and the entry gets the time it is recorded.
enum FishHook {
    static let template = #"""
        # Caro shell hook for fish, printed by `caro init fish`. Add this line to ~/.config/fish/config.fish:
        #   caro init fish | source
        # Each command you run is recorded in Caro's history (text, exit status, duration, directory),
        # in the background. Commands starting with a space are not recorded.
        if status is-interactive; and not set -q __caro_hooked
            set -g __caro_hooked 1
            set -g __caro_command @CARO@

            function __caro_preexec --on-event fish_preexec
                set -g __caro_cwd $PWD
                set -g __caro_at (command date '+%Y-%m-%dT%H:%M:%S.%3N%z' 2>/dev/null)
            end

            function __caro_postexec --on-event fish_postexec
                set -l caro_exit $status
                set -l duration $CMD_DURATION
                # No fish_preexec before it: the line that installed this hook.
                set -q __caro_cwd; or return
                set -l cwd $__caro_cwd
                set -e __caro_cwd
                set -l at
                string match -qr '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d{4}$' -- $__caro_at
                and set at --at=$__caro_at
                set -e __caro_at
                set -l line $argv[1]
                string match -qr '^\s' -- $line; and return
                string match -qr '\S' -- $line; or return
                command $__caro_command history add --command=$line --exit=$caro_exit \
                    --duration=$duration --cwd=$cwd --shell=fish --executed $at </dev/null >/dev/null 2>&1 &
                disown $last_pid 2>/dev/null
            end

            @CTRL_R@
        end

        """#

    /// The Ctrl-R binding to the picker, put at `@CTRL_R@` unless disabled.
    static let ctrlR = #"""
            # Ctrl-R: Caro's interactive history search (caro history search -i), starting from the line
            # typed so far; Enter puts the chosen command on the line, Esc leaves it as it was.
            # Opt out: set CARO_NO_CTRL_R 1 before this line, or caro init fish --disable-ctrl-r.
            function __caro_search
                set -l chosen (command $__caro_command history search -i -- (commandline -b) </dev/tty | string collect)
                test -n "$chosen"; and commandline -r -- $chosen
                commandline -f repaint
            end
            if not set -q CARO_NO_CTRL_R
                bind \cr __caro_search
                bind -M insert \cr __caro_search
            end
        """#
}
