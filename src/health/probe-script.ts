/**
 * The one remote script a sweep runs per device: POSIX shell, builtins where it can (forks cost
 * CPU on the device and on a shared lab), every slow step bounded by a short timeout, upstream
 * probes in parallel. Prints one JSON object; a value the device cannot give is null. Kept small:
 * its bytes cross a 4G link on every sweep. Inputs come as variables set before it (quoted):
 * JG gateway ("auto" = default route), JI internet host, JP portal URL (default KIOSK_URL; "none" = skip),
 * JA central API URL, JD DNS name (looked up as IPv4 with getaddrinfo: files first, so "localhost"
 * never leaves the machine); unset = not checked.
 */
export const PROBE_SCRIPT = [
  "export LC_ALL=C PATH=/usr/sbin:/usr/bin:/sbin:/bin",
  "n(){ case $2 in ''|-|*[!0-9.eE+-]*) printf '\"%s\":null,' $1;; *) printf '\"%s\":%s,' $1 $2;; esac;}",
  "printf {",
  "read u x </proc/uptime;n up ${u%.*}",
  "c=;read r </sys/devices/system/cpu/online&&case $r in 0-*[!0-9]*|*,*);;0-*)c=$((${r#0-}+1));;0)c=1;;esac;n cpus $c",
  "read a b c x </proc/loadavg;n l1 $a;n l5 $b;n l15 $c",
  "while read k v x;do case $k in MemTotal:)n mt $v;;MemAvailable:)n ma $v;;esac;done </proc/meminfo",
  "set -- $(df -k --output=size,avail,itotal,iavail / 2>/dev/null);n ds $5;n da $6;n is $7;n ia $8",
  "t=;for f in /sys/class/thermal/thermal_zone*/temp;do [ -r $f ]&&read v <$f&&[ \"$v\" -gt \"${t:-0}\" ] 2>/dev/null&&t=$v;done;n temp $t",
  "d=;c=0;if [ -d /sys/class/drm ];then d=0;for f in /sys/class/drm/card*-*/status;do [ -r $f ]||continue;d=$((d+1));read v <$f;[ $v = connected ]&&c=$((c+1));done;fi;n dpn $d;n dpc $c",
  "K=/run/jfleet-kiosk/browser.pid;b=;[ -r $K ]&&{ read p <$K;b=0;kill -0 \"$p\" 2>/dev/null&&b=1;};n kb $b",
  "L=;U=;[ -r /etc/jfleet/kiosk.env ]&&while IFS== read k v;do v=${v#[\\\"\\']};v=${v%[\\\"\\']};case $k in KIOSK_LISTEN)L=$v;;KIOSK_URL)U=$v;;esac;done </etc/jfleet/kiosk.env",
  "h(){ curl -gsko /dev/null -m${3:-3} -w \"$1 %{http_code} %{time_total}\\n\" \"$2\" 2>/dev/null;}",
  "g(){ ping -nqc3 -i.2 -W1 $2 2>/dev/null|while read -r l;do case $l in *%*)l=${l%%%*};echo $1l ${l##* };;rtt*)l=${l#*= };l=${l#*/};echo $1r ${l%%/*};;esac;done;}",
  "k(){ t=${EPOCHREALTIME/./};{ exec 3<>/dev/tcp/${L%:*}/${L##*:};} 2>/dev/null&&printf 'GET / HTTP/1.0\\r\\nHost: %s\\r\\n\\r\\n' $L >&3&&read -t2 x c x <&3&&{ [ \"$t\" ]&&t=$((${EPOCHREALTIME/./}-t))&&printf -v f %06d $((t%1000000))&&echo kp $c $((t/1000000)).$f||echo kp $c;}||echo kp 0;}",
  "P=${JP:-$U};[ \"$P\" = none ]&&P=;G=$JG;[ \"$G\" = auto ]&&G=$(ip r 2>/dev/null|sed -n 's/^default via \\([^ ]*\\).*/\\1/p;q')",
  "r=$({ [ \"$L\" ]&&{ [ \"$BASH_VERSION\" ]&&k||h kp http://$L/ 2;} & [ \"$P\" ]&&h pc \"$P\" & [ \"$JA\" ]&&h ac \"$JA/\" & [ \"$G\" ]&&g g $G & [ \"$JI\" ]&&g i $JI & [ \"$JD\" ]&&{ RES_OPTIONS=\"timeout:2 attempts:1\" getent ahostsv4 $JD >/dev/null 2>&1&&echo dns 1||echo dns 0;} & wait;})",
  "while read k v w;do [ \"$v\" = 000 ]&&v=0&&w=;n $k $v;[ \"$w\" ]&&n ${k%c}t $w;done <<E",
  "$r",
  "E",
  "if command -v chronyc >/dev/null;then set -- $(timeout 2 chronyc -c tracking 2>/dev/null|awk -F, '{print $5,($13==\"Normal\")}');n to $1;n ts $2",
  "elif [ -d /run/systemd/system ];then case $(timedatectl show -p NTPSynchronized --value 2>/dev/null) in yes)n ts 1;;no)n ts 0;;esac;fi",
  "v=;M=/opt/jfleet-kiosk/current/manifest.json;[ -r $M ]&&while read -r l;do case $l in *\\\"version\\\"*)v=${l#*\\\"version\\\"};v=${v#*\\\"};v=${v%%\\\"*};break;;esac;done <$M",
  "case $v in ''|*[!A-Za-z0-9._+-]*)printf '\"rel\":null}';;*)printf '\"rel\":\"%s\"}' $v;;esac",
].join('\n');
