/// The bash hook. `PS0` (expanded after a command is read, before it runs, in the shell itself) notes
/// the start time without running anything; the first `PROMPT_COMMAND` entry reads the exit status,
/// takes the command text from bash's history and starts `caro history add` in a detached background
/// subshell. No DEBUG trap, so loops at the prompt are not slowed and the user's own trap is kept.
enum BashHook {
    static let template = #"""
        # Caro shell hook for bash, printed by `caro init bash`. Add this line at the end of ~/.bashrc:
        #   eval "$(caro init bash)"
        # Each command you run is recorded in Caro's history (text, exit status, duration, directory),
        # in the background. Commands starting with a space are not recorded.
        if [[ $- == *i* && -z ${__caro_hooked-} ]]; then
        __caro_hooked=1
        __caro_command=(@CARO@)

        if [[ -n ${EPOCHREALTIME-} ]]; then
            __caro_now() { __caro_clock=$(( ${EPOCHREALTIME/[.,]/} / 1000 )); }
            # Sets __caro_start (milliseconds since the epoch) when a command starts; expands to nothing.
            __caro_ps0='${__caro_none[__caro_start=${EPOCHREALTIME/[.,]/}/1000,0]-}'
            # The start as ISO 8601 with the local offset, in __caro_at.
            __caro_start_time() {
                printf -v __caro_at '%(%Y-%m-%dT%H:%M:%S)T.%03d%(%z)T' \
                    $(( __caro_start / 1000 )) $(( __caro_start % 1000 )) $(( __caro_start / 1000 ))
            }
        else
            # bash before 5.0: whole seconds, and the time of recording instead of the start.
            __caro_now() { __caro_clock=$(( SECONDS * 1000 )); }
            __caro_ps0='${__caro_none[__caro_start=SECONDS*1000,0]-}'
            __caro_start_time() { __caro_at=; }
        fi

        # Whether a command bash did not add to its history was a repeat of the last entry (ignoredups),
        # which is then recorded again, rather than one hidden by ignorespace or HISTIGNORE, which is not.
        # When both are possible, the last entry ($2) must contain, as a word, the last argument of the
        # command that ran ($1).
        __caro_repeated() {
            [[ -o history ]] || return 1
            case :${HISTCONTROL-}: in
                *:ignoredups:* | *:erasedups:* | *:ignoreboth:*) ;;
                *) return 1 ;;
            esac
            case :${HISTCONTROL-}: in
                *:ignorespace:* | *:ignoreboth:*) ;;
                *) [[ -z ${HISTIGNORE-} ]] && return 0 ;;
            esac
            [[ -n $1 && " ${2//[[:space:]]/ } " == *" $1 "* ]]
        }

        __caro_precmd() {
            local __caro_exit=$? last_argument=$_ line text cwd=${__caro_cwd-$PWD} pattern='^ *[0-9]+[* ] (.*)$'
            __caro_cwd=$PWD
            if [[ -z ${__caro_start-} ]]; then
                # No command ran (first prompt, empty line, Ctrl-C): remember where history stands.
                if [[ -z ${__caro_last+set} ]]; then
                    __caro_last=$(HISTTIMEFORMAT= builtin history 1)
                fi
                return $__caro_exit
            fi
            __caro_now
            local duration=$(( __caro_clock - __caro_start )) __caro_at
            __caro_start_time
            unset __caro_start
            line=$(HISTTIMEFORMAT= builtin history 1)
            [[ $line =~ $pattern ]] || return $__caro_exit
            text=${BASH_REMATCH[1]}
            if [[ $line == "${__caro_last-}" ]]; then
                __caro_repeated "$last_argument" "$text" || return $__caro_exit
            fi
            __caro_last=$line
            [[ -n ${text//[[:space:]]/} && $text != [[:space:]]* ]] || return $__caro_exit
            ( "${__caro_command[@]}" history add --command="$text" --exit="$__caro_exit" \
                --duration="$duration" --cwd="$cwd" --shell=bash --executed ${__caro_at:+"--at=$__caro_at"} </dev/null >/dev/null 2>&1 & )
            return $__caro_exit
        }

        PS0=$__caro_ps0${PS0-}
        if (( BASH_VERSINFO[0] > 5 || (BASH_VERSINFO[0] == 5 && BASH_VERSINFO[1] >= 1) )); then
            PROMPT_COMMAND=(__caro_precmd "${PROMPT_COMMAND[@]}")
        else
            PROMPT_COMMAND="__caro_precmd${PROMPT_COMMAND:+; $PROMPT_COMMAND}"
        fi

        @CTRL_R@
        fi

        """#

    /// The Ctrl-R binding to the picker, put at `@CTRL_R@` unless disabled.
    static let ctrlR = #"""
        # Ctrl-R: Caro's interactive history search (caro history search -i), starting from the line typed
        # so far; Enter puts the chosen command on the line, Esc leaves it as it was.
        # Opt out: CARO_NO_CTRL_R=1 before this line, or caro init bash --disable-ctrl-r.
        __caro_search() {
            local __caro_chosen
            __caro_chosen=$("${__caro_command[@]}" history search -i -- "$READLINE_LINE" </dev/tty) || return 0
            READLINE_LINE=$__caro_chosen
            READLINE_POINT=${#READLINE_LINE}
        }
        if [[ -z ${CARO_NO_CTRL_R-} ]]; then
            bind -m emacs -x '"\C-r": __caro_search'
            bind -m vi-insert -x '"\C-r": __caro_search'
        fi
        """#
}
