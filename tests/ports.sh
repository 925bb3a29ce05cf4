# Sourced, not run: loopback ports reserved for peers that bind them later — the bash side of
# crates/test-support/src/ports (same window outside the ephemeral range, same lock files,
# same flock(2) locks), which explains why a port the kernel picked for port 0 is not safe.
#
#   source tests/ports.sh
#   reserve_port VAR          sets VAR to a free port, reserved until this shell exits
#   reserve_broker_port VAR   sets VAR to a broker port p, with p-2 and p+1 reserved as well
#
# The locks are file descriptors of the calling shell, so call these in the main shell, never
# inside $(...): a subshell's locks end with it. Needs flock(1) (util-linux).

ports_lock_dir=/tmp/namesrv-test-ports

# Prints "LOW HIGH ELOW EHIGH": the window scanned and the ephemeral range cut out of it.
_ports_window() {
  local elow=32768 ehigh=60999 overlap
  read -r elow ehigh </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
  overlap=$(( (ehigh < 31999 ? ehigh : 31999) - (elow > 20000 ? elow : 20000) + 1 ))
  (( overlap > 0 )) || overlap=0
  if (( 12000 - overlap >= 1000 )); then
    echo "20000 31999 $elow $ehigh"
  else
    echo "1024 65535 $elow $ehigh"
  fi
}

# Whether nothing listens on any of the ports (a connection to each is refused).
_ports_unused() {
  local port
  for port in "$@"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 1; fi
  done
}

# _ports_reserve VAR OFFSET...: the first port p (from a random start) whose p+OFFSET are all
# in the window, lockable and unused; their lock descriptors stay open in this shell.
_ports_reserve() {
  # Locals are prefixed: printf -v would set a same-named local instead of the caller's VAR.
  local _pr_var="$1"; shift
  local _pr_low _pr_high _pr_elow _pr_ehigh _pr_total _pr_start _pr_i _pr_p _pr_o _pr_q _pr_fd _pr_ok
  local -a _pr_group _pr_fds
  read -r _pr_low _pr_high _pr_elow _pr_ehigh < <(_ports_window)
  mkdir -p "$ports_lock_dir" && chmod 1777 "$ports_lock_dir" 2>/dev/null || true
  _pr_total=$(( _pr_high - _pr_low + 1 ))
  _pr_start=$(( ($$ * 7919 + RANDOM * 32768 + RANDOM) % _pr_total ))
  for (( _pr_i = 0; _pr_i < _pr_total; _pr_i++ )); do
    _pr_p=$(( _pr_low + (_pr_start + _pr_i) % _pr_total ))
    _pr_group=(); _pr_ok=1
    for _pr_o in "$@"; do
      _pr_q=$(( _pr_p + _pr_o ))
      if (( _pr_q < _pr_low || _pr_q > _pr_high || (_pr_q >= _pr_elow && _pr_q <= _pr_ehigh) )); then
        _pr_ok=0; break
      fi
      _pr_group+=("$_pr_q")
    done
    (( _pr_ok )) || continue
    _pr_fds=()
    for _pr_q in "${_pr_group[@]}"; do
      exec {_pr_fd}>>"$ports_lock_dir/$_pr_q.lock" || { _pr_ok=0; break; }
      _pr_fds+=("$_pr_fd")
      flock -n "$_pr_fd" || { _pr_ok=0; break; }
    done
    if (( _pr_ok )) && _ports_unused "${_pr_group[@]}"; then
      printf -v "$_pr_var" '%s' "$_pr_p"
      return 0
    fi
    for _pr_fd in "${_pr_fds[@]}"; do exec {_pr_fd}>&-; done
  done
  echo "ports.sh: no free port in $_pr_low-$_pr_high outside the ephemeral range $_pr_elow-$_pr_ehigh" >&2
  return 1
}

reserve_port() { _ports_reserve "$1" 0; }
reserve_broker_port() { _ports_reserve "$1" -2 0 1; }
