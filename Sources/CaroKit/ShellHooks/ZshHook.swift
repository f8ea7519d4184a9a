/// The zsh hook: `preexec` notes the command line, directory and start time; `precmd` (run first,
/// so it sees the command's exit status) starts `caro history add` in a detached background subshell.
enum ZshHook {
    static let template = #"""
        # Caro shell hook for zsh, printed by `caro init zsh`. Add this line at the end of ~/.zshrc:
        #   eval "$(caro init zsh)"
        # Each command you run is recorded in Caro's history (text, exit status, duration, directory),
        # in the background. Commands starting with a space are not recorded.
        if [[ -o interactive ]] && (( ! ${+__caro_hooked} )); then
        typeset -g __caro_hooked=1
        typeset -ga __caro_command
        __caro_command=(@CARO@)
        zmodload zsh/datetime 2>/dev/null
        autoload -Uz add-zsh-hook

        __caro_preexec() {
            # $1 is the line as typed (empty when history is off; then $3, the expanded text).
            typeset -g __caro_line=${1:-$3} __caro_cwd=$PWD __caro_start=$EPOCHREALTIME
        }

        __caro_precmd() {
            local -i __caro_exit=$?
            [[ -n ${__caro_start-} ]] || return $__caro_exit
            local line=$__caro_line cwd=$__caro_cwd at millis offset
            local -i duration=$(( (EPOCHREALTIME - __caro_start) * 1000 )) seconds=${__caro_start%%.*}
            local -i fraction=$(( (__caro_start - seconds) * 1000 ))
            # The start as ISO 8601 with the local offset.
            strftime -s at '%Y-%m-%dT%H:%M:%S' $seconds
            strftime -s offset '%z' $seconds
            printf -v millis '.%03d' $fraction
            at+=$millis$offset
            unset __caro_start __caro_line __caro_cwd
            [[ $line == [[:space:]]* || -z ${line//[[:space:]]/} ]] && return $__caro_exit
            ( "${__caro_command[@]}" history add --command="$line" --exit="$__caro_exit" \
                --duration="$duration" --cwd="$cwd" --shell=zsh --executed --at="$at" </dev/null >/dev/null 2>&1 & )
            return $__caro_exit
        }

        add-zsh-hook preexec __caro_preexec
        add-zsh-hook precmd __caro_precmd
        # First, before other precmd functions can change $?.
        precmd_functions=(__caro_precmd ${precmd_functions:#__caro_precmd})

        @CTRL_R@
        fi

        """#

    /// The Ctrl-R binding to the picker, put at `@CTRL_R@` unless disabled.
    static let ctrlR = #"""
        # Ctrl-R: Caro's interactive history search (caro history search -i), starting from the line typed
        # so far; Enter puts the chosen command on the line, Esc leaves it as it was.
        # Opt out: CARO_NO_CTRL_R=1 before this line, or caro init zsh --disable-ctrl-r.
        __caro_search() {
            local __caro_chosen
            __caro_chosen=$("${__caro_command[@]}" history search -i -- "$BUFFER" </dev/tty)
            if [[ $? -eq 0 && -n $__caro_chosen ]]; then
                BUFFER=$__caro_chosen
                CURSOR=${#BUFFER}
            fi
            zle reset-prompt
        }
        if [[ -z ${CARO_NO_CTRL_R-} ]]; then
            zle -N __caro_search
            bindkey -M emacs '^R' __caro_search
            bindkey -M viins '^R' __caro_search
        fi
        """#
}
