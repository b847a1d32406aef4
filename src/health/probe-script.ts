/**
 * The one remote script a sweep runs per device. It is written for the device's CPU, because a
 * fork costs about a millisecond on a kiosk mini-PC (and on the shared lab): everything it can
 * read with bash builtins it reads that way (/proc, /sys, /proc/net/route for the default
 * gateway, the kiosk page over bash's /dev/tcp), and each slow upstream probe is exactly one
 * fork + exec, started first as a process substitution so they all run while the local facts
 * are read, then collected from their pipes. No subshells, no pipelines, no temp files (a full
 * disk must not break the probe). Every slow step is bounded by its own short timeout. The JSON
 * is built in a variable and written once: each write to stdout is a packet through sshd.
 *
 * It needs bash (Debian and Ubuntu always have it): probeCommand() runs it through bash when the
 * login shell is another one. Prints one JSON object; a value the device cannot give is null.
 * Kept small: its bytes cross a 4G link on every sweep. Inputs come as variables set before it
 * (quoted): JG gateway ("auto" = default route), JI internet host, JP portal URL (default
 * KIOSK_URL; "none" = skip), JA central API URL, JD DNS name (looked up as IPv4 with getaddrinfo:
 * files first, so "localhost" never leaves the machine); unset = not checked. Every operand of
 * curl, ping and getent follows `--`, so a value (from health.yaml or the device's KIOSK_URL) that
 * starts with "-" is a URL or name that fails, never an option (curl -K would read a config file).
 */
export const PROBE_SCRIPT = [
  'export LC_ALL=C PATH=/usr/sbin:/usr/bin:/sbin:/bin',
  'n(){ case $2 in \'\'|-|*[!0-9.eE+-]*) J+="\\"$1\\":null,";; *) J+="\\"$1\\":$2,";; esac;}',
  'L=;U=;[ -r /etc/jfleet/kiosk.env ]&&while IFS== read k v;do v=${v#[\\"\\\']};v=${v%[\\"\\\']};case $k in KIOSK_LISTEN)L=$v;;KIOSK_URL)U=$v;;esac;done </etc/jfleet/kiosk.env',
  'P=${JP:-$U};[ "$P" = none ]&&P=;G=$JG',
  '[ "$G" = auto ]&&{ G=;while read i d g x;do [ "$d" = 00000000 ]&&[ ${#g} = 8 ]&&[ $g != 00000000 ]&&G=$((16#${g:6:2})).$((16#${g:4:2})).$((16#${g:2:2})).$((16#${g:0:2}))&&break;done </proc/net/route;}',
  'h(){ exec curl -gsko /dev/null -m3 -w \'%{http_code} %{time_total}\' -- "$1" 2>/dev/null;}',
  '[ "$G" ]&&exec 3< <(exec ping -nqc3 -i.2 -W1 -- "$G" 2>/dev/null)',
  '[ "$JI" ]&&exec 4< <(exec ping -nqc3 -i.2 -W1 -- "$JI" 2>/dev/null)',
  '[ "$JD" ]&&exec 5< <(RES_OPTIONS=\'timeout:2 attempts:1\' exec getent ahostsv4 -- "$JD" 2>/dev/null)',
  '[ "$P" ]&&exec 6< <(h "$P")',
  '[ "$JA" ]&&exec 7< <(h "$JA/")',
  'exec 8< <(exec df -k --output=size,avail,itotal,iavail / 2>/dev/null)',
  'J={',
  'read u x </proc/uptime;n up ${u%.*}',
  'c=;read r </sys/devices/system/cpu/online&&case $r in 0-*[!0-9]*|*,*);;0-*)c=$((${r#0-}+1));;0)c=1;;esac;n cpus $c',
  'read a b c x </proc/loadavg;n l1 $a;n l5 $b;n l15 $c',
  'while read k v x;do case $k in MemTotal:)n mt $v;;MemAvailable:)n ma $v;break;;esac;done </proc/meminfo',
  't=;for f in /sys/class/thermal/thermal_zone*/temp;do [ -r $f ]&&read v <$f&&[ "$v" -gt "${t:-0}" ] 2>/dev/null&&t=$v;done;n temp $t',
  // connectors, connected ones, and connected ones whose DPMS is On (Off: the screen is blanked)
  'd=;c=0;o=0;if [ -d /sys/class/drm ];then d=0;for f in /sys/class/drm/card*-*/status;do [ -r $f ]||continue;d=$((d+1));read v <$f;[ $v = connected ]&&{ c=$((c+1));x=On;[ -r ${f%status}dpms ]&&read x <${f%status}dpms;[ "$x" = On ]&&o=$((o+1));};done;fi;n dpn $d;n dpc $c;[ "$d" ]&&n dpo $o',
  // the kiosk unit's state and restarts: one systemctl, started now, read at the end
  '[ -d /run/systemd/system ]&&exec 10< <(exec systemctl show -p ActiveState,NRestarts jfleet-kiosk.service 2>/dev/null)',
  's(){ [ -n "$2" ]&&[ ${#2} -lt 400 ]&&J+="\\"$1\\":\\"$2\\",";}',
  // a lab stand-in counts only where the lab init runs (/run/jfleet-lab), and never as a browser
  'K=/run/jfleet-kiosk/stand-in;b=;[ -d /run/jfleet-lab ]&&[ -r $K ]&&{ read p <$K;b=0;kill -0 "$p" 2>/dev/null&&b=1;};n ksi $b',
  // the real browser: its DevTools endpoint on loopback lists the page (URL and title as Chromium
  // escaped them for JSON); no answer within 2 s is no browser
  "b=0;if { exec 9<>/dev/tcp/127.0.0.1/9222;} 2>/dev/null;then printf 'GET /json/list HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nConnection: close\\r\\n\\r\\n' >&9;while read -r -t2 l;do l=${l%$'\\r'};v=${l#*'\": \"'};v=${v%'\"'*};case $l in '\"title'*)t=$v;;'\"type'*)y=$v;;'\"url'*)u=$v;;'}'*)[ \"$y\" = page ]&&{ b=1;s purl \"$u\";s ptl \"$t\";break;};;esac;done <&9;exec 9<&-;fi;n kb $b",
  // the browser's own restarts inside cage (the kiosk session's loop); the watchdog's restarts,
  // and the page as it last evaluated it (its URL, and whether it is Chromium's error page)
  'W=/run/jfleet-kiosk;read w 2>/dev/null <$W/browser-restarts&&n kbr $w',
  'W+=-watchdog;[ -r $W/restarts ]&&read w <$W/restarts&&n kwr $w;[ -r $W/page ]&&{ read -r a;read b;} <$W/page&&s pwu "$a"&&s pwk "$b"',
  // the portal the kiosk is set to show, when it is a plain URL (compared with the page's)
  'case $U in *[!A-Za-z0-9._~:/?#@!\\&*+,\\;=%-]*);;*)s kurl "$U";;esac',
  'v=0;for f in /dev/video*;do [ -c $f ]&&v=$((v+1));done;n cam $v',
  // a tunnelled kiosk: the bastion port its tunnel logged in on (jfleet-tunnel writes it; absent elsewhere)
  'read v 2>/dev/null </var/lib/jfleet/tunnel-port&&n tpt "$v"',
  '[ "$L" ]&&{ c=0;t=${EPOCHREALTIME/./};if { exec 9<>/dev/tcp/${L%:*}/${L##*:};} 2>/dev/null;then printf \'GET / HTTP/1.0\\r\\nHost: %s\\r\\n\\r\\n\' "$L" >&9&&read -t2 x y x <&9&&{ c=$y;t=$((${EPOCHREALTIME/./}-t));printf -v f %06d $((t%1000000));n kpt $((t/1000000)).$f;};exec 9<&-;fi;n kp $c;}',
  'v=;M=/opt/jfleet-kiosk/current/manifest.json;[ -r $M ]&&while read -r l;do case $l in *\\"version\\"*)v=${l#*\\"version\\"};v=${v#*\\"};v=${v%%\\"*};break;;esac;done <$M',
  'if command -v chronyc >/dev/null;then set -- $(timeout 2 chronyc -c tracking 2>/dev/null|awk -F, \'{print $5,($13=="Normal")}\');n to $1;n ts $2',
  'elif [ -d /run/systemd/system ];then case $(timedatectl show -p NTPSynchronized --value 2>/dev/null) in yes)n ts 1;;no)n ts 0;;esac;fi',
  'a=;b=;c=;d=;{ read x;read a b c d;} <&8;n ds $a;n da $b;n is $c;n ia $d',
  'g(){ while read -r l;do case $l in *%*)l=${l%%%*};n $1l ${l##* };;rtt*)l=${l#*= };l=${l#*/};n $1r ${l%%/*};;esac;done;}',
  '[ "$G" ]&&g g <&3;[ "$JI" ]&&g i <&4',
  '[ "$JD" ]&&{ read -r x <&5&&n dns 1||n dns 0;}',
  'w(){ read c t;if [ "$c" = 000 ];then n $1c 0;else n $1c $c;n $1t $t;fi;}',
  '[ "$P" ]&&w p <&6;[ "$JA" ]&&w a <&7',
  '[ -d /run/systemd/system ]&&{ while IFS== read -r k x;do case $k in A*)s ku "$x";;N*)n kn $x;;esac;done <&10;exec 10<&-;}',
  'exec 3<&- 4<&- 5<&- 6<&- 7<&- 8<&-',
  'case $v in \'\'|*[!A-Za-z0-9._+-]*)J+=\'"rel":null}\';;*)J+="\\"rel\\":\\"$v\\"}";;esac',
  'printf %s "$J"',
].join('\n');
