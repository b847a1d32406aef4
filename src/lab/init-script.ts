/**
 * The tiny init every lab device runs as its PID 1 (lab devices have no systemd). It starts the
 * device's sshd, then the units enabled in /etc/systemd/system/multi-user.target.wants/
 * (ExecStart, EnvironmentFile, Restart, RestartSec) — except those the host itself has enabled,
 * which the device sees through the overlay's lower layer (the host's ssh.service, postgresql...) — restarts them when they exit (Restart=
 * always/on-failure), picks up units enabled later, stops units that get disabled, and restarts a
 * unit when /run/jfleet-lab/restart-<unit> appears (what `jfleet-kiosk-restart` touches when
 * systemd is not running), removing that file once the unit runs again, so the helper can wait
 * for it like `systemctl restart` does). A device in its own network namespace applies
 * /etc/sysctl.d/60-jfleet-*.conf (net.ipv4.* only) before each unit start, as systemd-sysctl would
 * at a kiosk's boot. Written in bash with builtins only in its loop (no fork per tick), so
 * 100 idle devices cost next to nothing. (In the source below '@{' stands for bash's '${', which a
 * template literal would otherwise interpolate.) Each unit runs in its own process group (set -m) so a
 * restart stops the unit's children too, like a systemd cgroup would.
 *
 * sshd runs with -r: it does not re-execute itself for every connection. On a real kiosk that
 * re-exec (OpenSSH's fresh address layout per connection) costs the device's own CPU; in the lab
 * all devices share the machine's two cores with the client under test, and the re-exec was the
 * largest part of a connection's cost (about 15 of 25 ms of CPU, measured on a 100-device cold
 * connect: 3.7 s of machine CPU with it, 2.2 s without). The protocol, keys, auth and sessions are
 * OpenSSH's own either way, and every tool measured on the lab (jfleet, Ansible, ssh) gets the same.
 */
export const LAB_INIT_SCRIPT = String.raw`#!/bin/bash
set -m
L=/run/jfleet-lab
WANTS=/etc/systemd/system/multi-user.target.wants
rm -f $L/.tick; mkfifo $L/.tick; exec 9<>$L/.tick
# a lab bastion: the socket directories its tmpfiles.d lines name (/run is a fresh tmpfs at every boot)
if [ -e $L/boot/tmpfiles ]; then systemd-tmpfiles --create /etc/tmpfiles.d/jfleet*.conf >/dev/null 2>&1; fi
/usr/sbin/sshd -r -D -f $L/boot/sshd_config -E $L/sshd.log $SSHD_EXTRA </dev/null &
echo $! > $L/sshd.pid
declare -A PID NEXT EXEC PRE ENVF RESTART RSEC SKIP
# units the host itself has enabled are seen through the overlay's lower layer: not the device's
if [ -r $L/boot/host-units ]; then while IFS= read -r u; do [ -n "$u" ] && SKIP[$u]=1; done < $L/boot/host-units; fi
load_env() {
  local l k v
  while IFS= read -r l || [ -n "$l" ]; do
    case $l in ''|'#'*|';'*) continue;; esac
    k=@{l%%=*}; v=@{l#*=}
    case $v in \"*\") v=@{v#\"}; v=@{v%\"};; \'*\') v=@{v#\'}; v=@{v%\'};; esac
    export "$k=$v"
  done < "$1"
}
parse_unit() {
  local f=$1 u=$2 line v
  EXEC[$u]=''; PRE[$u]=''; ENVF[$u]=''; RESTART[$u]=no; RSEC[$u]=1
  while IFS= read -r line || [ -n "$line" ]; do
    case $line in
      ExecStart=*) v=@{line#ExecStart=}; v=@{v#[-@+!:]}; EXEC[$u]=$v;;
      ExecStartPre=*) v=@{line#ExecStartPre=}; v=@{v#[-@+!:]}; PRE[$u]="@{PRE[$u]}@{v}; ";;
      EnvironmentFile=*) ENVF[$u]="@{ENVF[$u]} @{line#EnvironmentFile=}";;
      Restart=*) RESTART[$u]=@{line#Restart=};;
      RestartSec=*) v=@{line#RestartSec=}; v=@{v%s}; case $v in *m) v=1;; esac; v=@{v%%.*}; RSEC[$u]=$(( @{v:-0} < 1 ? 1 : v ));;
    esac
  done < "$f"
  [ -n "@{EXEC[$u]}" ]
}
# a device in its own network namespace (behind carrier NAT) applies jfleet's sysctl drop-ins, as
# systemd-sysctl does at boot on a kiosk: net.ipv4.* keys only (they are per namespace); a device
# in the host's namespace never does (it would change the host's kernel)
apply_sysctl() {
  local f l k v
  for f in /etc/sysctl.d/60-jfleet-*.conf; do
    [ -r "$f" ] || continue
    while IFS= read -r l || [ -n "$l" ]; do
      case $l in net.ipv4.*=*) k=@{l%%=*}; v=@{l#*=}; k=@{k// /}; v=@{v// /}; echo "$v" > "/proc/sys/@{k//.//}";; esac
    done < "$f"
  done
}
start_unit() {
  local u=$1
  (
    for ef in @{ENVF[$u]}; do ef=@{ef#-}; [ -r "$ef" ] && load_env "$ef"; done
    exec >>$L/$u.log 2>&1 </dev/null
    [ -n "$LAB_NETNS" ] && apply_sysctl
    [ -n "@{PRE[$u]}" ] && eval "@{PRE[$u]}"
    eval "exec @{EXEC[$u]}"
  ) &
  PID[$u]=$!; NEXT[$u]=''
  echo "@{PID[$u]}" > $L/$u.pid
}
stop_unit() {
  local u=$1 p=@{PID[$u]} i
  PID[$u]=''
  [ -n "$p" ] || return 0
  kill -TERM -- -$p 2>/dev/null
  for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
    kill -0 $p 2>/dev/null || break
    read -t 0.1 -u 9
  done
  kill -KILL -- -$p 2>/dev/null
  rm -f $L/$u.pid
}
while :; do
  now=$EPOCHSECONDS
  for link in $WANTS/*.service; do
    [ -e "$link" ] || continue
    u=@{link##*/}
    [ -n "@{SKIP[$u]}" ] && continue
    if [ -z "@{EXEC[$u]+x}" ]; then parse_unit "$link" "$u" && start_unit "$u"; fi
  done
  for u in "@{!EXEC[@]}"; do
    if [ ! -e "$WANTS/$u" ]; then stop_unit "$u"; unset "EXEC[$u]"; continue; fi
    n=@{u%.service}
    if [ -e "$L/restart-$n" ] || [ -e "$L/restart-$u" ]; then
      stop_unit "$u"; parse_unit "$WANTS/$u" "$u" && start_unit "$u"
      rm -f "$L/restart-$n" "$L/restart-$u"; continue
    fi
    p=@{PID[$u]}
    if [ -n "$p" ] && ! kill -0 $p 2>/dev/null; then
      PID[$u]=''; rm -f $L/$u.pid
      case @{RESTART[$u]} in always|on-failure|on-abnormal|on-abort) NEXT[$u]=$(( now + @{RSEC[$u]} ));; esac
    fi
    if [ -z "@{PID[$u]}" ] && [ -n "@{NEXT[$u]}" ] && (( now >= @{NEXT[$u]} )); then start_unit "$u"; fi
  done
  # a tick every 2 s (at 0.5 s, 250 idle devices kept a sixth of the two cores busy); a line
  # written to $L/.tick (jfleet-kiosk-restart does) wakes it at once
  read -t 2 -u 9
done
`.replaceAll('@{', '${');
