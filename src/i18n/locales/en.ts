/**
 * English: the source of every message key (src/i18n/catalog.ts derives MessageKey from it).
 * Keys say what the message says; {{name}} interpolates; key_one / key_other are the plural
 * forms picked by {{count}}. Sections: `help` (command descriptions, options, examples), one per
 * command group for what its handler says, `errors` for sentences lower layers raise in English
 * (templates ctx.t.phrase() matches, src/cli/render/error-text.ts), `advice` for hints given as
 * data, and `dashboard` for the page `jfleet central serve` serves.
 */
export default {
  common: {
    errorPrefix: 'error',
    hintPrefix: 'hint',
    cancelled: 'cancelled',
    moreIssues_one: '… and {{count}} more',
    moreIssues_other: '… and {{count}} more',
    internalError: 'internal error: {{message}}',
    internalErrorReport: 'run again with --debug for the stack trace, and please report it as a bug',
    runWithHelp: '(run with --help for usage)',
  },
  commander: {
    usage: 'Usage:',
    arguments: 'Arguments:',
    options: 'Options:',
    globalOptions: 'Global Options:',
    // the placeholders in a usage line (jfleet sweep [options]) and the command list
    optionsPlaceholder: '[options]',
    commandPlaceholder: '[command]',
    commands: 'Commands:',
    unknownOption: "unknown option '{{option}}'",
    unknownCommand: "unknown command '{{command}}'",
    didYouMean: '(Did you mean {{suggestion}}?)',
    missingArgument: "missing required argument '{{argument}}'",
    optionArgumentMissing: "option '{{option}}' argument missing",
    requiredOption: "required option '{{option}}' not specified",
    tooManyArguments: 'too many arguments: expected {{expected}}, got {{got}}',
    invalidArgument: "option '{{option}}' argument '{{value}}' is invalid. {{reason}}",
    conflict: '{{a}} cannot be used with {{b}}',
    // what commander adds after an option's description: "(default: 30)", "(choices: ...)"
    extras: '({{extras}})',
    choices: 'choices: {{choices}}',
    default: 'default: {{value}}',
    preset: 'preset: {{value}}',
    env: 'env: {{env}}',
  },
  program: {
    description: 'Register, provision, check, report on and update the village kiosk fleet of Kabupaten Jember.',
    version: 'output the version number',
    help: 'display help for command',
    helpCommand: 'display help for command',
    inventory: 'inventory directory (default: $JFLEET_INVENTORY, config "inventory", or $JFLEET_HOME/inventory)',
    debug: 'show stack traces and debug logs',
    noColor: 'disable colour (NO_COLOR is honoured too)',
    homeNotDirectory: 'JFLEET_HOME {{home}} is not a directory',
    homeNotDirectoryHint: 'point JFLEET_HOME at a directory (default ~/.jfleet), or unset it',
    helpAfter: `
Exit codes:
  0    ok
  1    some device failed (the report says which)
  2    usage or input error (wrong flag, malformed inventory, hostile value); nothing was written
  3    unknown (Nagios contract, jfleet check)
  4    rollout aborted (failures passed --max-fail)
  5    rollout completed with devices pending (unreachable; a later run picks them up)
  6    sweep: the worst alerting state is critical (1 warn, 3 unknown)
  7    sweep: the worst alerting state is unreachable
  70   internal error (a bug: run with --debug and report it)
  74   storage failed (full disk, quota, read-only, I/O error, corrupt state database); nothing was written
  75   another run holds the lock
  130  cancelled

Environment:
  JFLEET_HOME        where config, keys and state live (default ~/.jfleet)
  JFLEET_INVENTORY   inventory directory
  JFLEET_KEY_FILE    private key for SSH (default: the fleet key from jfleet keys init)
  JFLEET_API_URL, JFLEET_API_TOKEN, JFLEET_FORKS   override config for CI
  JFLEET_LANG        language of the messages: en or id (else config "lang", then LC_ALL / LC_MESSAGES / LANG)
  NO_COLOR           disable colour

Examples:
  $ jfleet villages rambipuji
  $ jfleet register --village 35.09.13.2006 --address kiosk-rambipuji.lan --serial SN123 --mac 00:11:22:33:44:55 --model NUC
  $ jfleet exec --limit Rambipuji -- uptime
  $ jfleet demo`,
  },
  help: {
    central: {
      description: 'the reference central reporting server (for regencies without a central API, tests and the demo)',
      serve: {
        helpAfter: `
Writes (POST /v1/reports) need the bearer token. Reads (the dashboard at /, GET /v1/fleet,
GET /v1/devices/ID/history) are open on loopback; on any other address they need a read
token (JFLEET_CENTRAL_READ_TOKEN or --read-token: "Authorization: Bearer TOKEN", or a
browser's login prompt with any user name and the token as password) unless you say
--public-read. A read token, when given, is required on loopback too.

Requests whose Host is not the --host address, localhost or a --server-name are refused with
421 (DNS rebinding); on 0.0.0.0 or :: any IP address is accepted as Host. No page may frame
it. A report body may be at most 16 MiB (413); all bodies in flight together at most 64 MiB
(503 with Retry-After). Reports dated over 5 minutes ahead of this server's clock get 422.
The contract is openapi/jfleet-central.v1.json.

Examples:
  $ JFLEET_CENTRAL_TOKEN=s3cret jfleet central serve --port 8480
  $ JFLEET_CENTRAL_READ_TOKEN=r34d jfleet central serve --host 0.0.0.0 --server-name central.desa.local
  $ jfleet config set api.url http://127.0.0.1:8480 && jfleet config set api.token s3cret
  $ jfleet report && xdg-open http://127.0.0.1:8480/`,
        opt: {
          serverName: 'a Host name clients use to reach it (repeatable), besides the --host address and localhost',
          publicRead: 'on an address other than loopback, serve reads without a read token (the operator means it)',
          readToken: 'reads (dashboard, fleet JSON) need this token, even on loopback (prefer JFLEET_CENTRAL_READ_TOKEN)',
          tlsKey: 'the PEM private key of --tls-cert',
          tlsCert: 'serve HTTPS with this PEM certificate',
          token: 'bearer token runners must send (prefer JFLEET_CENTRAL_TOKEN: a flag shows in ps)',
          db: 'its SQLite database (default $JFLEET_HOME/central/central.db)',
          host: 'address to listen on',
          port: 'TCP port (0 = any free port)',
        },
        description: 'serve the central reporting API (contract v1) and the fleet dashboard until interrupted',
      },
    },
    config: {
      helpAfter: `
Every key can be overridden for one run by an environment variable: JFLEET_ plus the key in
capitals with "." as "_" (api.url → JFLEET_API_URL, keyFile → JFLEET_KEY_FILE). Secrets
(api.token) are shown masked.

Examples:
  $ jfleet config list
  $ jfleet config set api.url https://central.example.lan
  $ jfleet config set forks 20
  $ jfleet config get api.token          # masked
  $ JFLEET_FORKS=5 jfleet config get forks`,
      description: 'read and change jfleet settings ($JFLEET_HOME/config.json, mode 0600)',
      list: {
        helpAfter: `
Examples:
  $ jfleet config list
  $ JFLEET_API_TOKEN=... jfleet config list --json`,
        description: 'every key with its value, source (file or env) and description',
      },
      get: {
        helpAfter: `
Exit codes: 0 printed, 1 the key is not set, 2 unknown key.

Examples:
  $ jfleet config get forks
  $ jfleet config get api.url --json`,
        arg: {
          key: 'e.g. api.url, forks, inventory',
        },
        description: 'print one value (secrets masked)',
      },
      set: {
        helpAfter: `
Examples:
  $ jfleet config set inventory ./inventories/example
  $ jfleet config set schedule.sweep "*/15 * * * *"`,
        arg: {
          value: 'the new value (paths are stored absolute)',
          key: 'e.g. api.url',
        },
        description: 'validate and store one value',
      },
      unset: {
        helpAfter: `
Examples:
  $ jfleet config unset api.token`,
        arg: {
          key: 'e.g. api.token',
        },
        description: 'remove one value (back to the default)',
      },
    },
    demo: {
      helpAfter: `
Needs root (the simulated devices are real sshd processes in their own namespaces).
Everything lives under $JFLEET_HOME/demo; a real fleet's config and state are never touched.

Examples:
  $ sudo jfleet demo                 # 12 devices, dashboard served until Ctrl-C
  $ jfleet demo --devices 30 --once  # run, print the summary, clean up
  $ sudo jfleet demo --kiosk --once  # and one real booted kiosk, ending with its screenshot
                                     # (first run: ~2 min image build + ~6 min apt install under QEMU)`,
      opt: {
        once: 'stop everything when done instead of serving the dashboard until Ctrl-C',
        port: 'port of the local central server (0 = any free port)',
        devices: 'simulated devices to bring up',
        kiosk: 'add one booted Debian 12 kiosk (QEMU): provisioned with cage + Chromium from the Debian mirror, ends with its screenshot',
      },
      description:
        'run the main job end to end on the embedded default: a local simulated fleet (real sshd devices), registration, provisioning, a sweep and a report to a local central server with its dashboard',
    },
    exec: {
      helpAfter: `
Placeholders {id}, {village}, {address} and {var.NAME} are replaced by each device's values,
as data, never shell. A value holding $ \` [ ] <( >( (bash could run it in arithmetic or an
array subscript) is refused, and so is one inside a longer text (maybe a script for another
shell: 'echo {var.n}') that is not a plain word; before any device is contacted, exit 2.
Output lines are prefixed "ID | " (stdout) and "ID ! " (stderr); on a terminal a progress
line shows done/total on stderr.

Exit codes: 0 every device ran the command and it exited 0; 1 some device failed, was
unreachable, refused auth, offered a changed host key or timed out (the recap says which;
--limit @failed selects them next time); 2 usage or inventory error.

Examples:
  $ jfleet exec -- uptime
  $ jfleet exec --limit Rambipuji --forks 20 --timeout 30 -- 'df -P / | tail -1'
  $ jfleet exec --limit @failed --json -- systemctl is-active jfleet-kiosk
  $ jfleet exec -- echo {id} {var.kiosk_listen}`,
      arg: {
        command: 'the command: one argument is a shell line as written; several are an argv, each quoted',
      },
      description: 'run a command on every selected device over SSH, with a per-device recap',
      opt: {
        timeout: 'per-device command timeout (default 60)',
        connectTimeout: 'TCP connect + SSH handshake timeout (default: the smaller of 10 and --timeout)',
      },
    },
    ssh: {
      helpAfter: `
The device's host key must match the fingerprint pinned in the inventory (pinned on first
contact, once the device proved it holds the key). If it changed, the connection is refused
until: jfleet hostkey accept ID.

Examples:
  $ jfleet ssh kiosk-rambipuji
  $ jfleet ssh kiosk-rambipuji -- journalctl -u jfleet-kiosk -n 50`,
      arg: {
        command: 'run this instead of a shell',
        id: 'package id',
      },
      description: 'open an interactive shell on one device (host key checked against the pin)',
    },
    sweep: {
      helpAfter: `
One small script per device (one round trip), checks judged locally, soft/hard states kept in
$JFLEET_HOME/state/jfleet.db. Thresholds, groups, probe targets and maintenance windows come
from health.yaml in the inventory directory (docs/health.md).

Exit codes (the worst HARD state of a device that is neither silenced nor flapping):
  0 ok (soft problems do not count)   1 warn   3 unknown   6 critical   7 unreachable
  2 usage or input error   75 another sweep holds the lock   130 cancelled
With --report, the report's exit code wins when it fails (see jfleet report --help): 1 reports
left queued, 2 no central API configured or the token refused, 75 the outbox is busy.

Examples:
  $ jfleet sweep
  $ jfleet sweep --limit Kencong --json
  $ jfleet sweep --forks 100 --wait       # from cron: queue behind a running sweep
  $ jfleet sweep --report                 # sweep, then report to the central API`,
      opt: {
        report: 'then queue a report and send the outbox, as jfleet report does (docs/reporting.md)',
        wait: 'if another sweep is running, wait for it instead of exiting 75',
      },
      description: 'probe every selected device once, store the results, print a summary',
    },
    screenshot: {
      helpAfter: `
Runs grim on the device as the kiosk user inside its Wayland session (cage offers screen
capture) and brings the PNG back over the same SSH connection; the file is written whole or not
at all, and never over one of jfleet's inputs or state. A device with no screen to take says why
in one line, exit 1: the lab's stand-in browser, no display connected, no kiosk session running.

Exit codes: 0 written   1 the device has no screen to take, or cannot be reached
  2 unknown id, or an output that must not or cannot be written

Examples:
  $ jfleet screenshot kiosk-rambipuji-1
  $ jfleet screenshot kiosk-rambipuji-1 -o /tmp/rambipuji.png`,
      arg: {
        id: 'package id',
      },
      opt: {
        output: 'where to write the PNG (default: ID.png)',
      },
      description: "fetch a PNG of what the kiosk's screen shows now",
    },
    check: {
      helpAfter: `
Speaks the Nagios plugin contract: one status line "JFLEET STATE - id: summary | perfdata" and
exit 0 OK, 1 WARNING, 2 CRITICAL (also when the device cannot be reached), 3 UNKNOWN (including
a bad id or inventory). Stores nothing: Nagios keeps its own soft/hard state.

Examples:
  $ jfleet check kiosk-rambipuji-1
  # Nagios: define command { command_name check_jfleet  command_line jfleet check $HOSTNAME$ }`,
      arg: {
        id: 'package id',
      },
      description: 'check one device now, as a Nagios/Icinga plugin (exit 0/1/2/3, one line with perfdata)',
    },
    status: {
      helpAfter: `
Reads the last sweep results; it never touches a device and never waits for a running sweep.

Examples:
  $ jfleet status
  $ jfleet status --limit Kencong --json
  $ jfleet status --watch 10
  $ jfleet status --map fleet.png          # also fleet.svg, fleet.html`,
      opt: {
        map: 'write a map of Jember with each village coloured by state (.svg, .png or .html)',
        watch: 'redraw every few seconds (default 5) until Ctrl-C',
      },
      description: 'the fleet at a glance, grouped by district: counts per state, problems and since when',
    },
    history: {
      helpAfter: `
Availability is the share of sweeps in which a device answered and was ok or warn.

Examples:
  $ jfleet history kiosk-rambipuji-1
  $ jfleet history --days 30              # availability per village over the last 30 days
  $ jfleet history kiosk-rambipuji-1 --days 7 --json`,
      arg: {
        id: 'package id',
      },
      description: "one device's checks, state changes and availability; without an id, availability per village",
      opt: {
        days: 'period to look back over',
      },
    },
    silence: {
      helpAfter: `
A silenced device is still swept and shown, but never counts toward the sweep's exit code.
Recurring maintenance windows (e.g. the nightly reboot) live in health.yaml (docs/health.md).

Examples:
  $ jfleet silence kiosk-rambipuji-1 --for 2d --reason "screen replaced, waiting for parts"
  $ jfleet silence kiosk-kencong-2 --start 2026-03-01T22:00:00+07:00 --for 3h --reason "power work"
  $ jfleet silence --list
  $ jfleet silence kiosk-rambipuji-1 --clear`,
      opt: {
        clear: 'end the open silences of ID now',
        list: 'list open silences',
        start: 'start later (ISO time): a one-off maintenance window',
        reason: 'why (the next technician reads it)',
        for: 'how long: 90m, 36h, 2d, 1w',
      },
      arg: {
        id: 'package id',
      },
      description: 'keep a device under repair from alerting (and --list, --clear)',
    },
    inventory: {
      helpAfter: `
The inventory is <dir>/packages.yaml, where <dir> is --inventory, $JFLEET_INVENTORY, config
"inventory", or $JFLEET_HOME/inventory. Selector grammar for --limit: docs/selectors.md.

Examples:
  $ jfleet inventory list --limit Rambipuji
  $ jfleet inventory show rambipuji-1 --json
  $ jfleet inventory check
  $ jfleet inventory remove rambipuji-1 --yes`,
      description: 'list, show, check and remove registered packages',
      list: {
        helpAfter: `
Examples:
  $ jfleet inventory list
  $ jfleet inventory list --limit 'tag:ring-0 & !Kaliwates' --json`,
        description: 'list packages (all, or those --limit selects)',
      },
      show: {
        helpAfter: `
Examples:
  $ jfleet inventory show rambipuji-1
  $ jfleet inventory show rambipuji-1 --json`,
        opt: {
          withCustodian: 'include the custodian contact (personal data; hidden by default)',
        },
        arg: {
          id: 'package id',
        },
        description: 'show one package',
      },
      check: {
        helpAfter: `
Exit codes: 0 no errors (warnings allowed), 2 errors found.

Examples:
  $ jfleet inventory check
  $ jfleet --inventory inventories/example inventory check --json`,
        description: 'lint the inventory: schema, duplicates, unknown villages, shared addresses; exits 2 on errors',
      },
      remove: {
        helpAfter: `
Without a terminal and without --yes it refuses (exit 2) instead of waiting for an answer.

Examples:
  $ jfleet inventory remove rambipuji-1
  $ jfleet inventory remove --limit 'tag:retired' --yes`,
        opt: {
          dryRun: 'show what would be removed, write nothing',
          yes: 'do not ask for confirmation',
        },
        arg: {
          ids: 'package ids',
        },
        description: 'remove packages by id (or --limit); asks to confirm unless --yes',
      },
    },
    bastion: {
      description: 'the bastion kiosks behind carrier NAT hold a reverse tunnel to (run these on the bastion, as root)',
      helpAfter: `
A kiosk with "reach: tunnel" in the inventory runs jfleet-tunnel.service: plain ssh -NT holding
-R /run/jfleet/<id>/ssh.sock:localhost:22 on the bastion. Each kiosk logs in as its own locked
user that may bind only its own socket (no shell, no PTY, no TCP forwarding); operators (group
jfleet-ops) may only open the sockets. The runner's SSH session to a kiosk runs end to end inside
that socket, checked against the kiosk's own pinned host key: the bastion holds no key that logs
in to any kiosk. See docs/reach.md.

Examples:
  $ jfleet bastion init                         # print the sshd drop-in and the layout
  $ sudo jfleet bastion init --apply --operator jfleet --operator-key fleet_ed25519.pub
  $ sudo jfleet bastion add kiosk-rambipuji --key "ssh-ed25519 AAAA… jfleet-tunnel kiosk-rambipuji"
  $ sudo jfleet bastion revoke kiosk-rambipuji`,
      opt: {
        root: "the bastion's root file system (a lab bastion's root)",
        socketDir: 'where the kiosks sockets live (as in bastions.yaml socketDir)',
      },
      init: {
        description: 'print (or --apply) the sshd drop-in, tmpfiles and accounts of a bastion',
        opt: {
          apply: 'write the layout (groups, drop-in, tmpfiles, socket directory, operator) instead of printing it',
          ports: 'ports sshd listens on (443 passes carriers that filter 22)',
          maxStartups: 'sshd MaxStartups start:rate:full, sized for the whole fleet reconnecting at once',
          operator: "the runner's login on the bastion (group jfleet-ops, SFTP and socket access only)",
          operatorKey: "the runner's public key for --operator (e.g. $JFLEET_HOME/keys/fleet_ed25519.pub)",
        },
        helpAfter: `
After --apply: sshd -t && systemctl reload ssh (open sessions stay).

Examples:
  $ jfleet bastion init > bastion-layout.txt
  $ sudo jfleet bastion init --apply --operator jfleet --operator-key /tmp/fleet_ed25519.pub`,
      },
      add: {
        description: 'let one kiosk hold its tunnel: its locked user, its tunnel key, its socket directory',
        arg: {
          id: 'package id',
        },
        opt: {
          key: 'the kiosk tunnel public key (/etc/jfleet/tunnel_ed25519.pub on the kiosk; provision prints it)',
          keyFile: 'read the key line from this file',
        },
        helpAfter: `
Examples:
  $ sudo jfleet bastion add kiosk-rambipuji --key "$(cat kiosk-rambipuji.tunnel.pub)"`,
      },
      revoke: {
        description: 'cut one kiosk off: key removed, user locked, its live tunnel dropped, its socket removed',
        arg: {
          id: 'package id',
        },
        helpAfter: `
A stolen or retired kiosk: its tunnel drops at once and every later login is refused.
jfleet bastion add ID --key … lets it back in.

Examples:
  $ sudo jfleet bastion revoke kiosk-rambipuji`,
      },
    },
    keys: {
      helpAfter: `
jfleet offers, in order: the package's identityFile, config "keyFile" (JFLEET_KEY_FILE), the
fleet key $JFLEET_HOME/keys/fleet_ed25519, keys named in ~/.ssh/config, and ssh-agent
(SSH_AUTH_SOCK). A password is only used by first-boot bootstrap.

Examples:
  $ jfleet keys init
  $ jfleet keys show`,
      description: 'the fleet SSH key jfleet logs in with',
      init: {
        helpAfter: `
Examples:
  $ jfleet keys init
  $ JFLEET_HOME=/srv/jfleet jfleet keys init --json`,
        opt: {
          force: 'replace an existing fleet key (devices that trust the old one lock jfleet out)',
        },
        description: 'create the fleet key (ed25519, private half mode 0600 under JFLEET_HOME/keys)',
      },
      show: {
        helpAfter: `
Examples:
  $ jfleet keys show`,
        description: 'print the fleet public key and its fingerprint (to install on devices)',
      },
    },
    hostkey: {
      description: 'host keys pinned in the inventory (trust on first use)',
      accept: {
        helpAfter: `
A changed host key means a reinstalled device or a man in the middle. jfleet refuses to connect
(showing both fingerprints) until this command re-pins it; there is no option to skip the check.
The device must prove it holds the key (a completed SSH key exchange); a key it only offers is
never pinned. On a terminal the pinned and the proven fingerprint are shown and you confirm.
Without a terminal pass --expect with the fingerprint read on the device itself (a different
proven key: exit 2, nothing written), or --yes; with neither it refuses (exit 2).

Examples:
  $ jfleet hostkey accept kiosk-rambipuji
  $ ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub     # on the device, from its console
  $ jfleet hostkey accept kiosk-rambipuji --expect SHA256:Qx0vY2mJ3l0bq9zqkTn8Hc1V6Jm3sYx4bW0eQ1xL2aE`,
        opt: {
          yes: 'pin whatever key the device proves without asking (prefer --expect)',
          expect: 'pin only if the device proves this key (SHA256:…, as ssh-keygen -lf prints it); no question asked',
        },
        arg: {
          id: 'package id',
        },
        description: "re-pin a device's host key after a reinstall: shows the pinned and the proven key and asks (or --expect)",
      },
    },
    lab: {
      helpAfter: `
Each device is a real OpenSSH sshd on its own loopback address (127.<100+slot>.x.y) with its
own host key, hostname, process table and copy-on-write root, in a real Jember village.
Needs root (mount, unshare, chroot); installs openssh-server if it is missing. See docs/lab.md.

Examples:
  $ sudo jfleet lab up --devices 20
  $ export JFLEET_INVENTORY=...   # printed by lab up
  $ jfleet exec -- hostname
  $ sudo jfleet lab status
  $ sudo jfleet lab down`,
      description: 'a simulated fleet of real SSH devices on this machine (training, demos, tests)',
      up: {
        helpAfter: `
Examples:
  $ sudo jfleet lab up --devices 100
  $ sudo jfleet lab up --devices 10 --password-only 2 --json`,
        description: 'bring up a lab and write its inventory; prints the environment to use it',
        opt: {
          devices: 'number of devices',
          passwordOnly: 'the last N devices accept only a root password (bootstrap practice)',
        },
      },
      down: {
        helpAfter: `
Examples:
  $ sudo jfleet lab down`,
        arg: {
          id: 'one lab id (default: every lab started with lab up)',
        },
        description: 'stop labs started with lab up (every process by pid, every mount), and remove them',
      },
      status: {
        helpAfter: `
Examples:
  $ jfleet lab status --json`,
        description: 'list the labs on this machine and how many of their devices answer',
      },
    },
    provision: {
      helpAfter: `
Each step reports ok, changed, failed or skipped; a recap per device and in total follows.
Exit codes: 0 all devices ok, 1 some device failed (re-run those with --limit @failed),
2 usage/input error or no confirmation possible, 130 cancelled. Details: docs/provision.md.

Examples:
  $ jfleet provision --check --diff
  $ jfleet provision --limit Kaliwates --yes
  $ jfleet provision --limit @failed --yes
  $ JFLEET_BOOTSTRAP_PASSWORD=... jfleet provision --limit desa-1 --bootstrap --yes
  $ jfleet provision --profile lab --yes --json
  $ jfleet provision --limit kiosk-rambipuji --direct --yes   # staging a reach: tunnel kiosk (docs/reach.md)`,
      opt: {
        direct: 'reach tunnelled packages directly this once (staging on the office LAN, before their tunnel exists)',
        verbose: 'list ok steps too',
        recipe: 'recipe directory (default: the shipped recipes/kiosk)',
        profile: 'recipe profile, e.g. "lab" (else the package\'s vars.recipe_profile)',
        passwordFile: 'factory root password for --bootstrap (else $JFLEET_BOOTSTRAP_PASSWORD)',
        bootstrap: 'where the fleet key is not accepted yet, log in with the factory password, install the key, pin the host key, then continue with the key',
        yes: 'apply without asking (needed without a terminal)',
        diff: 'show before/after of files and settings',
        check: 'plan only: show what would change; the devices are left untouched',
      },
      description: "bring kiosks to the recipe's desired state over SSH (idempotent; safe to run again)",
    },
    register: {
      helpAfter: `
On a terminal, missing --village/--address start a wizard (village search as you type, every
answer checked on the spot, summary, confirm). Without a terminal, or with CI set, it never
prompts: it names the missing flags and exits 2. Re-importing the same CSV changes nothing.

Examples:
  $ jfleet register                                        # the wizard
  $ jfleet register --village 35.09.13.2006 --address kiosk-rambipuji.lan \\
      --serial SN123 --mac 00:11:22:33:44:55 --model "NUC 11" --tag ring-0
  $ jfleet register --village 35.09.13.2006 --address 10.20.0.15 --bastion bastion-jember
                                                           # behind carrier NAT: reach: tunnel (docs/reach.md)
  $ jfleet register --from packages.csv --dry-run
  $ jfleet register --from packages.csv --skip-invalid --rejected bad-rows.csv`,
      opt: {
        yes: 'wizard: register without asking to confirm the summary',
        dryRun: 'show what would be written, write nothing',
        rejected: 'with --skip-invalid: where rejected rows go (default: <file>.rejected.csv)',
        skipInvalid: 'with --from: import the good rows and write the rejected ones to a file',
        from: 'bulk import: a CSV whose header names the fields: village, address (required), id, port, user, serial, mac, model, tags, jump, reach, bastion, custodian_name, custodian_phone',
        custodianPhone: 'custodian phone (personal data: optional, stored only in the inventory)',
        custodianName: 'custodian (personal data: optional, stored only in the inventory)',
        jump: 'jump host: another package id or [user@]host[:port]',
        reach: 'how jfleet reaches it: direct (default), or tunnel: behind carrier NAT, through its reverse tunnel to a bastion (docs/reach.md)',
        bastion: 'the bastion of bastions.yaml its tunnel goes to (implies --reach tunnel; default with --reach tunnel: the only bastion)',
        tag: 'tag, e.g. a rollout ring (repeatable)',
        model: 'hardware model',
        mac: 'MAC address, e.g. 00:11:22:33:44:55',
        serial: 'hardware serial number',
        user: 'SSH user (default root)',
        id: 'package id (default: generated from the village, e.g. rambipuji-1)',
        address: 'IP address or RFC 1123 host name the package answers SSH on',
        village: 'village code (35.09.13.2006) or unique village name',
        port: 'SSH port (default 22)',
      },
      description: 'register kiosk packages in the inventory (wizard, flags, or --from CSV)',
    },
    report: {
      helpAfter: `
Every report is written to the outbox ($JFLEET_HOME/state/jfleet.db) before it is sent, and
the outbox is delivered in order: a report that cannot be delivered yet stays queued (with
exponential backoff) and is sent by the next jfleet report, sweep --report or daemon run.
The central API stores each report id once, so nothing is counted twice.

Configuration: api.url, api.token, api.caFile (or JFLEET_API_URL, JFLEET_API_TOKEN,
JFLEET_API_CA_FILE). The token is never printed.

Exit codes:
  0   the report was queued and everything queued was delivered
  1   reports remain queued (central API unreachable or failing) or were dead-lettered
  2   no central API configured, or the token was refused (reports stay queued)
  75  another jfleet is delivering the outbox right now (the report is queued behind it)

Examples:
  $ jfleet report                      # queue a report and send the outbox now
  $ jfleet report --dry-run | less     # the JSON payload, nothing written or sent
  $ jfleet report --wait 120           # keep retrying for up to two minutes
  $ JFLEET_API_URL=http://127.0.0.1:8480 JFLEET_API_TOKEN=... jfleet report --json`,
      opt: {
        flush: 'send what is queued without building a new report',
        dryRun: 'print the report that would be sent; queue and send nothing',
        wait: 'keep retrying for up to this long before leaving the rest queued',
      },
      description: 'queue a fleet report (state of every package, state changes since the last report) and send the outbox to the central API',
    },
    outbox: {
      helpAfter: `
Examples:
  $ jfleet outbox list                 # queued and dead-lettered reports
  $ jfleet outbox list --all --json    # including the last delivered ones
  $ jfleet outbox retry --all          # dead-lettered back to the queue, due now
  $ jfleet outbox drop 0190e3 --yes    # remove one report for good (id or id prefix)`,
      description: 'inspect and manage the queue of reports waiting for the central API',
      list: {
        helpAfter: `
Examples:
  $ jfleet outbox list
  $ jfleet outbox list --all --json`,
        opt: {
          all: 'also show the last delivered reports',
        },
        description: 'list queued (pending) and dead-lettered reports, oldest first',
      },
      retry: {
        helpAfter: `
Examples:
  $ jfleet outbox retry --all && jfleet report --flush
  $ jfleet outbox retry 0190e3a1`,
        opt: {
          all: 'every dead-lettered and queued report',
        },
        arg: {
          report: 'report ids (or unique prefixes)',
        },
        description: 'put dead-lettered reports back in the queue and make queued ones due now',
      },
      drop: {
        helpAfter: `
Examples:
  $ jfleet outbox drop --dead --yes
  $ jfleet outbox drop 0190e3a1 --yes`,
        opt: {
          yes: 'confirm: dropping cannot be undone',
          dead: 'every dead-lettered report',
        },
        arg: {
          report: 'report ids (or unique prefixes)',
        },
        description: 'remove reports from the outbox for good (the central API will never see them)',
      },
    },
    release: {
      description: 'versioned kiosk release bundles (stored under $JFLEET_HOME/releases)',
      add: {
        helpAfter: `
A bundle holds the kiosk app (www/index.html and assets), its configuration, and optionally an
executable "check" that the health gate runs on each device after the switch (exit 0 = healthy;
it sees JFLEET_DEVICE, JFLEET_VILLAGE, JFLEET_TAGS, JFLEET_MODEL and JFLEET_VAR_<NAME>).
jfleet writes manifest.json (version + sha256 of every file). Adding the same version again with
the same content is a no-op; with different content it is refused (exit 2).

Examples:
  $ jfleet release add ./dist/kiosk --version 1.4.0
  $ jfleet release add kiosk-1.4.0.tar.gz --version 1.4.0 --json`,
        opt: {
          version: 'release version, e.g. 1.4.0',
        },
        arg: {
          path: 'bundle directory or tarball',
        },
        description:
          'store a release bundle (a directory or .tar.gz holding www/index.html, optional config and an optional "check" script); immutable, checksummed',
      },
      list: {
        helpAfter: `
Examples:
  $ jfleet release list
  $ jfleet release list --json`,
        description: 'list stored releases',
      },
    },
    rollout: {
      opt: {
        gateTimeout: 'how long each device may take to pass its health gate',
        junit: 'write a JUnit XML report (one test case per device)',
        maxFail: 'abort when failures pass this (a count, or % of devices reached)',
        waves: 'cumulative wave targets: device counts and percentages',
        release: 'release to roll out (see jfleet release list)',
      },
      description: 'roll a release out in waves, canary first, with health gates, automatic rollback and a failure threshold',
      resume: {
        opt: {
          junit: 'write a JUnit XML report (one test case per device)',
        },
        description: 'continue the latest rollout where it stopped (after a killed CI job), retrying pending devices',
        helpAfter: `{{exitCodes}}

Examples:
  $ jfleet rollout resume
  $ jfleet rollout resume --json --junit rollout.xml`,
      },
      status: {
        helpAfter: `
Exit code is 0 whenever the status could be read (2 if there is no rollout).

Examples:
  $ jfleet rollout status
  $ jfleet rollout status --json | jq '.counts'`,
        opt: {
          id: 'a specific rollout',
        },
        description: 'show the latest rollout (or --id N): state, waves, devices',
      },
      abort: {
        helpAfter: `
Examples:
  $ jfleet rollout abort`,
        description: 'abort the latest rollout: a running process stops after the devices in flight; nothing more is updated',
      },
      exitCodes: `
Exit codes:
  0    completed: every device updated and healthy
  1    completed, but some devices failed their gate and were rolled back (under --max-fail)
  2    usage error (bad flag, unknown release, malformed inventory, a --junit file it may
       not or cannot write: checked before any device is touched)
  4    aborted: failures passed --max-fail (failing devices rolled back, later waves untouched)
  5    completed with devices pending (unreachable); run again or \`jfleet rollout resume\` later
  75   another rollout holds the lock
  130  interrupted (SIGINT/SIGTERM); \`jfleet rollout resume\` continues`,
      helpAfter: `
Never prompts. With --json, progress is JSON lines on stdout (rollout-start, wave-start, device,
wave-end, abort, rollout-end). A device that fails its gate is switched back to its previous
release and checked again. An unreachable device is pending, not failed: it is picked up by
\`jfleet rollout resume\` or by running the same rollout again.
{{exitCodes}}

Examples:
  $ jfleet rollout --release 1.4.0 --waves 1,10%,50%,100% --max-fail 5% --junit rollout.xml --json
  $ jfleet rollout --release 1.4.0 --limit 'Rambipuji,Balung' --max-fail 2
  $ jfleet rollout status --json
  $ jfleet rollout resume --json
  $ jfleet rollout abort`,
    },
    schedule: {
      description: 'run sweeps and reports on a schedule (daemon), or install a timer for the one-shot sweep',
      run: {
        helpAfter: `
Cron expressions have five fields (minute hour day month weekday) or six with seconds first.
Runs never overlap (a tick that finds the previous run still going is skipped and logged); a
sweep started by hand meanwhile holds the sweep lock and the daemon skips that tick. One pool of
SSH connections stays open between sweeps (keepalive; dropped ones are reopened). SIGTERM or
Ctrl-C: no new runs; a running sweep gets --stop-timeout seconds; then every connection closes.

Examples:
  $ jfleet config set schedule.sweep "*/10 * * * *"
  $ jfleet schedule run
  $ jfleet schedule run --sweep "*/30 * * * * *" --report "0 * * * *" --jitter 20`,
        opt: {
          report: 'report schedule (default: config "schedule.report"; none = no reports)',
          sweep: 'sweep schedule (default: config "schedule.sweep", else "*/15 * * * *")',
          jitter: 'random delay before each run',
          stopTimeout: 'on SIGTERM/SIGINT, how long a running sweep may finish',
        },
        description: 'long-running daemon: sweeps and reports on cron expressions, connections kept warm',
      },
      install: {
        helpAfter: `
Writes files only (installing twice gives the same files); it prints the command that enables
them. The sweep runs with --wait, so a slow sweep delays the next instead of overlapping it.

Examples:
  $ jfleet schedule install                          # systemd: jfleet-sweep.service + .timer
  $ jfleet schedule install --kind cron --cron "*/10 * * * *"
  $ jfleet schedule install --kind daemon            # jfleet-schedule.service: sessions kept (tunnelled kiosks)
  $ jfleet schedule install --dir ./units --limit Kencong`,
        opt: {
          user: 'user the sweep runs as',
          crontab: 'the crontab file to write (default /etc/cron.d/jfleet; implies --kind cron)',
          dir: 'where the systemd units go (default /etc/systemd/system; implies --kind systemd)',
          onCalendar: 'systemd OnCalendar, for schedules cron cannot express simply',
          cron: 'when to sweep (default: config "schedule.sweep", else "*/15 * * * *")',
          kind: 'what to write (default: systemd when it runs, else cron)',
          jitter: 'systemd RandomizedDelaySec',
        },
        description: 'write a systemd service + timer (or a cron entry) that runs jfleet sweep',
      },
    },
    villages: {
      helpAfter: `
With no QUERY, lists the 31 districts. A district name or code lists its villages.

Examples:
  $ jfleet villages                    # the districts, with their codes
  $ jfleet villages rambipuji          # the district Rambipuji and its villages
  $ jfleet villages "kasiyan timr"     # typo-tolerant village search
  $ jfleet villages 35.09.13.2006      # one village by code
  $ jfleet villages 35.09.13 --json    # machine-readable: code, name, kind, district, coordinates`,
      arg: {
        query: 'village name (case- and typo-tolerant), district name, or code / code prefix',
      },
      description: "find Jember's villages and districts (Kemendagri codes, coordinates)",
    },
    shared: {
      limit: 'select packages: district, code prefix, village, id glob, tag:NAME, @failed; "," = or, "&" = and, "!" = not',
      json: 'print machine-readable JSON on stdout',
      forks: 'devices worked on at once (default: config "forks", else 50)',
    },
  },
  register: {
    nothingWritten: 'nothing was written',
    needsFlags: 'register needs them',
    error: {
      skipInvalidNeedsFrom: '--skip-invalid and --rejected go with --from FILE.csv',
      rejectedNeedsSkipInvalid: '--rejected goes with --skip-invalid (without it a bad row stops the import and no row is rejected)',
      tagChars: '"{{tag}}" must be lower-case letters, digits, "_", ".", "=" or "-"',
      fromWithFlag: '--from imports a file; do not combine it with {{flag}}',
      noSuchFile: 'cannot read {{file}}: no such file',
    },
    dryRun: {
      wouldAdd_one: 'dry run: would add {{count}} package(s) to {{file}}',
      wouldAdd_other: 'dry run: would add {{count}} package(s) to {{file}}',
    },
    alreadyRegisteredCount_one: '{{count}} already registered',
    alreadyRegisteredCount_other: '{{count}} already registered',
    rejectedCount_one: '{{count}} rejected',
    rejectedCount_other: '{{count}} rejected',
    addedCount_one: '{{count}} added',
    addedCount_other: '{{count}} added',
    registered: 'registered {{id}}: {{village}}, {{district}} ({{code}}) at {{address}}',
    registeredTunnel: 'registered {{id}}: {{village}}, {{district}} ({{code}}) at {{address}}, reached through its tunnel to bastion {{bastion}}',
    alreadyRegisteredAs: 'already registered as {{id}}; nothing changed',
    csvBeingImported: 'the CSV being imported (--from)',
    rejectedLine: 'rejected: {{issue}}',
    rowsRejectedDryRun_one: '{{count}} row(s) rejected (dry run: not written)',
    rowsRejectedDryRun_other: '{{count}} row(s) rejected (dry run: not written)',
    rowsRejectedWritten_one: '{{count}} row(s) rejected, written to {{file}}',
    rowsRejectedWritten_other: '{{count}} row(s) rejected, written to {{file}}',
    cancelledNothingWritten: 'cancelled: nothing was written',
    wizard: {
      fixInventoryFirst: 'fix the inventory first (jfleet inventory check)',
      intro: 'Register a kiosk package. Ctrl-C cancels; nothing is written until you confirm.',
      village: 'Village (type a name, district or code):',
      desa: 'desa',
      kelurahan: 'kelurahan',
      address: 'Address (IP or host name):',
      plainAscii: 'must be plain ASCII',
      port: 'SSH port:',
      addressTaken: '{{address}} is already package {{id}}',
      user: 'SSH user:',
      belongsTo: '{{what}} already belongs to package {{id}}',
      serial: 'Serial number (optional):',
      thisSerial: 'this serial',
      mac: 'MAC address (optional, 00:11:22:33:44:55):',
      thisMac: 'this MAC',
      model: 'Hardware model (optional):',
      tags: 'Tags (optional, comma-separated, e.g. ring-0):',
      tagChars: 'tag "{{tag}}" must be lower-case letters, digits, "_", ".", "=" or "-"',
      id: 'Package id:',
      idChars: 'must be lower-case letters, digits and "-" (max 63)',
      idTaken: 'id {{id}} is already registered',
      reach: 'How does jfleet reach this package?',
      reachDirect: 'directly',
      reachDirectHelp: 'its address answers SSH from where jfleet runs (the office LAN, a VPN)',
      reachTunnel: 'through bastion {{bastion}} (reverse tunnel)',
      reachTunnelHelp: 'behind carrier NAT: the kiosk holds a reverse tunnel to {{address}}; the address above is for staging on the office LAN',
      whichBastion: 'Which bastion does its tunnel go to?',
      custodianNote: 'Custodian contact is personal data: optional, kept only in the inventory file, never logged or sent.',
      custodianName: 'Custodian name (optional):',
      custodianPhone: 'Custodian phone (optional):',
      confirm: 'Register this package?',
    },
    summary: {
      title: 'Summary',
      id: 'id',
      village: 'village',
      address: 'address',
      user: 'user',
      serial: 'serial',
      mac: 'mac',
      model: 'model',
      tags: 'tags',
      reach: 'reach',
      reachDirect: 'direct',
      reachTunnel: 'tunnel, through bastion {{bastion}}',
      reachTunnelNoBastion: 'tunnel',
      custodian: 'custodian',
    },
  },
  prompts: {
    missingFlags: 'missing {{flags}}: {{what}}, and there is no terminal to ask',
    missingFlagsCI: 'missing {{flags}}: {{what}}, and there is no terminal to ask (CI is set)',
    passFlags: 'pass {{flags}} on the command line',
    and: ' and ',
    cancelledNothingChanged: 'cancelled: nothing was changed',
    // a yes/no question outside English (English asks with @inquirer/confirm itself: Y/n, y/N)
    confirmHintYes: 'Y/n',
    confirmHintNo: 'y/N',
    yes: 'Yes',
    no: 'No',
    yesAnswers: 'y, yes',
    noAnswers: 'n, no',
    answerYesOrNo: 'answer y (yes) or n (no)',
    // the key hints under a list of choices (↑↓ navigate • ⏎ select)
    keys: {
      navigate: 'navigate',
      select: 'select',
    },
  },
  health: {
    /** the file `status --map` writes (.svg, .html, .png) */
    mapFile: {
      title: 'Jember village kiosks',
      devices_one: '{{count}} device',
      devices_other: '{{count}} devices',
      subtitle: '{{devices}} · {{time}}',
      village: '{{village}} ({{district}}): {{state}}',
      district: 'district',
    },
    state: {
      ok: 'ok',
      warn: 'warn',
      critical: 'critical',
      unknown: 'unknown',
      unreachable: 'unreachable',
    },
    column: {
      ok: 'ok',
      warn: 'warn',
      critical: 'critical',
      unknown: 'unknown',
      unreachable: 'unreach',
    },
    flag: {
      hard: 'HARD',
      soft: 'soft',
      flapping: 'FLAPPING',
      silenced: 'silenced',
    },
    since: 'since {{ago}}',
    sweep: {
      head_one: 'sweep of {{count}} device(s) in {{seconds}} s',
      head_other: 'sweep of {{count}} device(s) in {{seconds}} s',
      tail: '{{alert}} alerting (hard), {{soft}} soft (not confirmed yet), {{quiet}} hard but silenced or flapping; worst alerting state: {{worst}}',
      cancelled: 'sweep cancelled; results of the devices probed so far were stored',
      standIns_one: "{{count}} device(s) run the lab's stand-in browser: no real browser or screen was checked there",
      standIns_other: "{{count}} device(s) run the lab's stand-in browser: no real browser or screen was checked there",
    },
    screenshot: {
      outputLabel: 'the screenshot file',
      noPackage: 'no package "{{id}}" in the inventory',
      written: 'screenshot of {{id}} ({{width}}x{{height}}, {{kib}} KiB) written to {{file}}',
    },
    status: {
      noResults: 'no sweep results yet: run jfleet sweep',
      devices_one: '{{count}} device(s)',
      devices_other: '{{count}} device(s)',
      district: 'DISTRICT',
      mapWritten_one: 'map of {{count}} device(s) written to {{file}}',
      mapWritten_other: 'map of {{count}} device(s) written to {{file}}',
      watchSeconds: '--watch takes seconds (at least 1), not "{{value}}"',
      watching: '(every {{seconds}} s; Ctrl-C to stop)',
    },
    check: {
      cannotLoadInventory: 'cannot load the inventory: {{reason}}',
      noPackage: 'no package "{{id}}" in the inventory',
      cannotOpenPool: 'cannot open the SSH pool: {{reason}}',
    },
    history: {
      line: 'since {{since}} ({{ago}}); last seen {{lastSeen}}; release {{release}}',
      never: 'never',
      neverSwept: 'never swept',
      availability_one: 'availability: {{percent}} of {{count}} sweep(s) since {{since}}',
      availability_other: 'availability: {{percent}} of {{count}} sweep(s) since {{since}}',
      changes: 'state changes (newest first):',
      new: '(new)',
      none: 'no health history for "{{id}}"',
      noneHint: 'check the id (jfleet inventory list) or run jfleet sweep first',
    },
    availability: {
      none_one: 'no sweep results in the last {{count}} day(s)',
      none_other: 'no sweep results in the last {{count}} day(s)',
      head_one: 'availability per village, last {{count}} day(s) (ok or warn / all sweeps):',
      head_other: 'availability per village, last {{count}} day(s) (ok or warn / all sweeps):',
      village: 'VILLAGE',
      name: 'NAME',
      avail: 'AVAIL',
      sweeps: 'SWEEPS',
    },
    silence: {
      giveId: 'give a package id to silence, or --list',
      none: 'no silences',
      from: 'from {{time}}',
      until: 'until {{time}}',
      cleared_one: 'cleared {{count}} silence(s) on {{id}}',
      cleared_other: 'cleared {{count}} silence(s) on {{id}}',
      noneOpen: '{{id}} has no open silence',
      sayHowLong: 'say how long: --for 2d (also 90m, 36h, 1w)',
      sayWhy: 'say why: --reason "screen replaced, waiting for parts"',
      sayWhyHint: 'the reason is what the next technician reads',
      noPackage: 'no package "{{id}}" in the inventory at {{dir}}',
      startIso: '--start takes an ISO time like 2026-03-01T22:00:00+07:00, not "{{value}}"',
      silenced: 'silenced {{id}} until {{until}}: {{reason}}',
      silencedFrom: 'silenced {{id}} until {{until}} (from {{from}}): {{reason}}',
    },
  },
  schedule: {
    wrote: 'wrote {{file}}',
    next: 'next: {{command}}',
    oneShotTunnels_one:
      'note: {{count}} package is reached through a tunnel; a one-shot sweep dials it afresh each time (~10 KiB, ~30 MiB a month at 15 minutes); --kind daemon keeps its session (~4 MiB a month; docs/reach.md)',
    oneShotTunnels_other:
      'note: {{count}} packages are reached through a tunnel; a one-shot sweep dials each afresh each time (~10 KiB, ~30 MiB a month at 15 minutes); --kind daemon keeps their sessions (~4 MiB a month; docs/reach.md)',
    sweepLog_one: 'sweep #{{n}}: {{count}} device(s) in {{seconds}} s, {{warm}} warm: {{counts}}; worst alerting {{worst}}',
    sweepLog_other: 'sweep #{{n}}: {{count}} device(s) in {{seconds}} s, {{warm}} warm: {{counts}}; worst alerting {{worst}}',
    skippedPrevious: '{{job}}: skipped, the previous {{job}} is still going',
    skippedLocked: '{{job}}: skipped, another sweep holds the lock',
    failed: '{{job}}: failed: {{reason}}',
    reportDone: 'report #{{n}} done',
    started_one: 'daemon started: sweep "{{sweep}}", {{count}} device(s), jitter {{jitter}} s (pid {{pid}})',
    started_other: 'daemon started: sweep "{{sweep}}", {{count}} device(s), jitter {{jitter}} s (pid {{pid}})',
    startedWithReport_one: 'daemon started: sweep "{{sweep}}", report "{{report}}", {{count}} device(s), jitter {{jitter}} s (pid {{pid}})',
    startedWithReport_other: 'daemon started: sweep "{{sweep}}", report "{{report}}", {{count}} device(s), jitter {{jitter}} s (pid {{pid}})',
    stopping: 'stopping: waiting up to {{seconds}} s for the running job',
    stopped: 'daemon stopped after {{sweeps}} sweep(s), {{reports}} report(s)',
  },
  demo: {
    needsRoot: 'the demo brings up a simulated fleet of real sshd devices, which needs root',
    needsRootHint: 'run it as root (e.g. sudo bash scripts/quickstart.sh)',
    cancelledBeforeStep: 'cancelled before step {{n}} of 5; the simulated fleet is stopped',
    seconds: '{{seconds}} s',
    step1: 'Bringing up {{count}} simulated kiosk devices (real sshd, own address, host key and root filesystem)',
    devicesUp: '{{count}} devices up in {{time}}: {{first}} … {{last}}',
    step2: 'Registering the packages from a spreadsheet (CSV import against the village reference)',
    registered: '{{count}} packages registered in {{file}} ({{time}})',
    step3: 'Provisioning the kiosks over SSH (host keys pinned on first contact)',
    provisioned:
      '{{count}} device(s) provisioned in {{time}}: {{changed}} change(s) applied, {{ok}} step(s) already ok, {{failed}} failed, {{unreachable}} unreachable',
    failed: 'failed',
    log: '(log: {{file}})',
    pagesAnswering: '{{ready}}/{{count}} kiosk pages answering',
    step4: 'Sweeping the fleet: probes and health checks, one round trip per device',
    step5: 'Reporting the fleet to the central API (outbox first, then delivery)',
    reported: 'report {{id}}: {{delivered}} delivered, {{pending}} still queued',
    cancelledBeforeDashboard: 'cancelled before the dashboard was served; the simulated fleet is stopped',
    done: 'Done',
    doneOnce: 'in {{time}}. The fleet and the central server stop now (run without --once to keep them and open the dashboard).',
    doneDashboard: 'in {{time}}. Dashboard: {{url}}',
    tryAnotherShell: 'Try, in another shell:',
    orInstall: 'or: npm install -g . (puts jfleet on the PATH)',
    keepRunning: 'The fleet and the central server keep running until Ctrl-C.',
    finishedWithFailures: 'demo finished with {{failed}} device(s) failing provisioning and {{pending}} report(s) undelivered',
    kioskBooting: 'and one booted Debian 12 kiosk {{id}} (QEMU; first run builds its image from the Debian mirror)',
    kioskUp: 'booted kiosk {{id}} up in {{time}} ({{accel}}), SSH on 127.0.0.1:{{port}}',
    kioskFailed: 'the booted kiosk did not start: {{error}}',
    kioskRegistered: 'booted kiosk {{id}} registered for village {{village}}, its host key pinned',
    kioskProvisionNote: 'the booted kiosk installs cage + Chromium from the Debian mirror through a local apt cache: minutes on its first run',
    kioskPortal: 'booted kiosk {{id}}: portal on screen after {{time}}',
    kioskNoPortal: 'booted kiosk {{id}}: the portal is not on screen after {{time}} (jfleet sweep and the screenshot say what it shows)',
    kioskScreenshot: 'screenshot of {{id}} ({{width}}x{{height}}): {{file}}',
    kioskNoScreenshot: 'no screenshot of {{id}}: {{error}}',
  },
  rollout: {
    release: {
      added: 'added release {{version}}: {{files}} files, {{bytes}} bytes (archive {{archiveBytes}} bytes, sha256 {{sha}})',
      alreadyPresent: 'already present: release {{version}}: {{files}} files, {{bytes}} bytes (archive {{archiveBytes}} bytes, sha256 {{sha}})',
      none: 'no releases (add one: jfleet release add PATH --version V)',
      listFiles: '{{files}} files',
      hasCheck: '(check)',
    },
    line: {
      start_one: 'rollout {{rollout}}: release {{release}} to {{count}} device(s) in {{waveCount}} wave(s) [{{waves}}], max-fail {{maxFail}}',
      start_other: 'rollout {{rollout}}: release {{release}} to {{count}} device(s) in {{waveCount}} wave(s) [{{waves}}], max-fail {{maxFail}}',
      startResuming_one:
        'rollout {{rollout}}: release {{release}} to {{count}} device(s) in {{waveCount}} wave(s) [{{waves}}], max-fail {{maxFail}} (resuming {{reopened}})',
      startResuming_other:
        'rollout {{rollout}}: release {{release}} to {{count}} device(s) in {{waveCount}} wave(s) [{{waves}}], max-fail {{maxFail}} (resuming {{reopened}})',
      waveStart_one: 'wave {{wave}}: {{count}} device(s)',
      waveStart_other: 'wave {{wave}}: {{count}} device(s)',
      updated: '{{device}} updated {{previous}} → {{release}}',
      none: '(none)',
      skipped: '{{device}} skipped: {{reason}}',
      pending: '{{device}} pending: {{reason}}',
      rolledBack: '{{device}} rolled back to {{previous}}: {{reason}}',
      failed: '{{device}} FAILED: {{reason}}',
      seconds: '({{seconds}} s)',
      canaryReplaced: 'canary unreachable: trying {{device}} as canary',
      waveEnd: 'wave {{wave}} done: {{updated}} updated, {{failures}} failed ({{allowed}} allowed of {{reached}} reached), {{pending}} pending',
      interrupted: 'rollout {{rollout}} interrupted; continue with: jfleet rollout resume',
      aborted_one: 'ABORTED: {{reason}}; {{count}} device(s) not updated',
      aborted_other: 'ABORTED: {{reason}}; {{count}} device(s) not updated',
      nothingToResume: 'rollout {{rollout}} of {{release}} already finished ({{state}}, exit {{exitCode}} then); nothing to resume',
      end: 'rollout {{rollout}} {{state}}: {{updated}} updated, {{rolledBack}} rolled back, {{failed}} failed, {{pending}} pending, {{skipped}} skipped (exit {{exitCode}})',
      abortedRunning: 'rollout {{rollout}} of {{release}} aborted (the running process stops after the devices in flight)',
      abortedStopped: 'rollout {{rollout}} of {{release}} aborted',
    },
    junit: {
      gateFailed: 'health gate failed; rolled back to {{previous}}',
      gateFailedNoPrevious: 'health gate failed; rolled back to the previous release',
      updateFailed: 'update failed',
      pending: 'pending: unreachable; a later run updates it',
      pendingWhy: 'pending: unreachable ({{why}}); a later run updates it',
      notUpdatedAborted: 'not updated: rollout aborted',
      notUpdatedInterrupted: 'not updated: rollout interrupted',
      suite: 'rollout {{id}} of release {{release}} ({{state}})',
    },
    status: {
      noRollout: 'no rollout {{id}}',
      noRolloutYet: 'no rollout yet',
      head: 'rollout {{id}}: release {{release}}, {{state}}',
      started: 'started {{started}}',
      startedFinished: 'started {{started}}, finished {{finished}}',
      plan: 'waves {{waves}}; max-fail {{maxFail}}',
      limit: 'limit {{selector}}',
      counts: '{{count}} devices: {{updated}} updated, {{rolledBack}} rolled back, {{failed}} failed, {{pending}} pending, {{todo}} to do, {{skipped}} skipped',
      wave_one: 'wave {{wave}}: {{count}} device(s), {{updated}} updated, {{failed}} failed, {{pending}} pending',
      wave_other: 'wave {{wave}}: {{count}} device(s), {{updated}} updated, {{failed}} failed, {{pending}} pending',
    },
    state: {
      planned: 'planned',
      updating: 'updating',
      updated: 'updated',
      rolled_back: 'rolled_back',
      failed: 'failed',
      pending: 'pending',
      skipped: 'skipped',
    },
    rolloutState: {
      running: 'running',
      interrupted: 'interrupted',
      completed: 'completed',
      completed_failures: 'completed_failures',
      completed_pending: 'completed_pending',
      aborted: 'aborted',
    },
  },
  report: {
    nextAttempt: 'next attempt in {{seconds}} s ({{time}})',
    duplicates: '({{count}} the central API already had)',
    delivered_one: 'delivered {{count}} report(s) to {{url}}',
    delivered_other: 'delivered {{count}} report(s) to {{url}}',
    deadLettered: 'dead-lettered {{id}}: {{reason}} (see jfleet outbox list)',
    interrupted_one: 'interrupted; {{count}} report(s) stay queued for the next run',
    interrupted_other: 'interrupted; {{count}} report(s) stay queued for the next run',
    busy_one: 'another jfleet (pid {{pid}} on {{host}}) is delivering the outbox; {{count}} report(s) queued behind it',
    busy_other: 'another jfleet (pid {{pid}} on {{host}}) is delivering the outbox; {{count}} report(s) queued behind it',
    stillQueued_one: '{{count}} report(s) still queued: {{reason}}',
    stillQueued_other: '{{count}} report(s) still queued: {{reason}}',
    notDueYet: 'not due yet',
    deadCount_one: '{{count}} report(s) dead-lettered',
    deadCount_other: '{{count}} report(s) dead-lettered',
    attempt: 'report {{id}} attempt {{attempt}}: {{reason}}',
    outboxEmpty: 'the outbox is empty',
    nothingQueued: 'nothing queued or dead-lettered',
    queued: 'queued report {{id}} ({{packages}} package(s), {{changes}} state change(s))',
    column: {
      report: 'REPORT',
      created: 'CREATED',
      status: 'STATUS',
      tries: 'TRIES',
      packages: 'PACKAGES',
      note: 'NOTE',
    },
    status: {
      pending: 'pending',
      delivered: 'delivered',
      dead: 'dead',
    },
    deliveredAt: 'delivered {{time}}',
    alreadyThere: '(already there)',
    notTriedYet: 'not tried yet',
    next: 'next {{time}}',
    retried_one: '{{count}} report(s) queued and due now; send them with jfleet report --flush',
    retried_other: '{{count}} report(s) queued and due now; send them with jfleet report --flush',
    dropped_one: 'dropped {{count}} report(s)',
    dropped_other: 'dropped {{count}} report(s)',
  },
  shared: {
    wholeNumber: '{{flag}} takes a whole number of at least 1, not "{{value}}"',
    atMost: '{{flag}} takes at most {{max}}, not "{{value}}"',
    seconds: '{{flag}} takes a number of seconds, not "{{value}}"',
    secondsMax: '{{flag}} takes at most 86400 seconds (24 h), not "{{value}}"',
  },
  config: {
    notSetValue: '(not set)',
    fromEnv: '(from {{env}})',
    file: 'file: {{file}}',
    notSet: '{{key}} is not set',
    envOverrides: 'note: {{env}} is set and overrides this value in this shell',
    unset: '{{key}} unset',
    // what each key of src/config/schema.ts is for (config list; its --json keeps the English)
    about: {
      lang: 'language of the messages: en or id (default: from LC_ALL / LC_MESSAGES / LANG; JFLEET_LANG overrides)',
      timeZone: 'time zone of times in human output (default Asia/Jakarta, shown as WIB); --json stays UTC',
      inventory: 'default inventory directory (overridden by --inventory)',
      forks: 'devices worked on at once (default 50)',
      keyFile: 'SSH private key used to reach the packages',
      sshKex: "SSH key-exchange algorithms in order of preference (default: OpenSSH's order, curve25519-sha256 first; SHA-1 groups refused)",
      sshCompression:
        "compression of the SSH sessions to the packages (default zlib: OpenSSH's delayed zlib@openssh.com, which shrinks a repeated probe's output on a kept session; bastion and jump-host connections carry encrypted sessions and are never compressed)",
      api: {
        url: 'central reporting API base URL',
        token: 'central reporting API token',
        caFile: 'CA certificate file for the central API (PEM)',
      },
      schedule: {
        sweep: 'cron expression for health sweeps',
        report: 'cron expression for sending reports',
      },
    },
  },
  villages: {
    summary: '{{districts}} districts, {{villages}} villages. Data: Kemendagri codes via cahyadsn/wilayah (MIT); see inventories/reference/README.md',
    district: 'District {{name}} ({{code}}): {{count}} villages',
    noMatch: 'no village matches "{{query}}"',
    column: {
      code: 'CODE',
      district: 'DISTRICT',
      villages: 'VILLAGES',
      village: 'VILLAGE',
      kind: 'KIND',
      lat: 'LAT',
      lon: 'LON',
    },
  },
  inventory: {
    checkListsAll: 'jfleet inventory check lists every problem',
    none: 'no packages registered yet ({{file}}); add some with jfleet register',
    column: {
      id: 'ID',
      village: 'VILLAGE',
      district: 'DISTRICT',
      address: 'ADDRESS',
      tags: 'TAGS',
      hostKey: 'HOSTKEY',
    },
    pinned: 'pinned',
    count_one: '{{selected}} of {{count}} package(s)',
    count_other: '{{selected}} of {{count}} package(s)',
    noPackage: 'no package "{{id}}" in {{file}}',
    listShowsIds: 'jfleet inventory list shows the ids',
    noInventory: 'no inventory at {{file}}',
    noInventoryHint: 'register packages with jfleet register, or pick one with --inventory DIR',
    severityError: 'error',
    severityWarning: 'warning',
    checkSummary: '{{valid}} valid package(s), {{errors}} error(s), {{warnings}} warning(s)',
    remove: {
      nameThem: 'name the packages to remove (ids, or --limit SELECTOR)',
      selectsNone: '--limit "{{limit}}" selects no package; nothing removed',
      wouldRemove_one: 'would remove {{count}} package(s): {{ids}}',
      wouldRemove_other: 'would remove {{count}} package(s): {{ids}}',
      toRemove_one: 'to remove: {{count}} package(s): {{ids}}',
      toRemove_other: 'to remove: {{count}} package(s): {{ids}}',
      confirm_one: 'Remove {{count}} package(s) from {{file}}?',
      confirm_other: 'Remove {{count}} package(s) from {{file}}?',
      needsConfirmation: 'removing packages needs confirmation',
      removed_one: 'removed {{count}} package(s) from {{file}}',
      removed_other: 'removed {{count}} package(s) from {{file}}',
    },
  },
  keys: {
    expectNotFingerprint: '--expect {{value}} is not a SHA256 host-key fingerprint',
    expectNotFingerprintHint:
      'give it as ssh-keygen -lf prints it on the device, e.g. --expect SHA256:… from: ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub',
    needsFingerprint: 'pinning the host key of {{id}} needs its fingerprint checked; nothing was changed',
    needsFingerprintHint:
      'pass --expect with the fingerprint read on the device (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub), or --yes to pin whatever key it proves',
    provesOther: '{{id}} proves host key {{proven}}, not the expected {{expected}}; nothing was pinned',
    provesOtherHint: 'check the fingerprint on the device itself; a different key means another device or a man in the middle',
    pinnedNow: 'pinned host key   {{key}}',
    none: '(none)',
    deviceProves: 'the device proves {{key}}',
    confirmPin: 'Pin {{key}} as the host key of {{id}}?',
    pinNeedsConfirmation: 'pinning a host key needs confirmation',
    pinChangedMeanwhile: 'the pin of {{id}} changed to {{key}} meanwhile; nothing was pinned (run hostkey accept again)',
    alreadyPinned: 'host key {{key}} is already pinned; nothing changed',
    pinnedWas: 'host key pinned {{key}} (was {{old}})',
    pinnedFirst: 'host key pinned {{key}} (none was pinned)',
    exists: 'a fleet key already exists: {{file}}',
    existsHint: 'devices trust it; replacing it locks jfleet out of them. Use --force only if you mean that',
    written: 'fleet key written: {{file}} (mode 0600)',
    noKey: 'no fleet key at {{file}}',
    noKeyHint: 'create one with: jfleet keys init',
  },
  device: {
    inventoryHasErrors: 'the inventory at {{dir}} has errors',
    runInventoryCheck: 'run: jfleet inventory check',
    listThem: 'list them with: jfleet inventory list',
  },
  exec: {
    noCommand: 'no command given',
    noCommandHint: 'put the command after --, e.g. jfleet exec -- uptime',
    noMatch: 'no packages match',
    noMatchLimit: 'no packages match --limit {{limit}}',
    stoppedByCtrlC: 'stopped by Ctrl-C before it finished',
    outcome: {
      ok: 'ok',
      failed: 'failed',
      unreachable: 'unreachable',
      auth: 'auth failed',
      hostkey: 'hostkey',
      timeout: 'timed out',
      protocol: 'protocol error',
      error: 'error',
      cancelled: 'cancelled',
    },
    recap: {
      head_one: 'recap: {{count}} device: {{parts}}',
      head_other: 'recap: {{count}} devices: {{parts}}',
      killedBy: 'killed by {{signal}}',
      exit: 'exit {{code}}',
      progress: '[{{done}}/{{total}}] {{ok}} ok',
      progressFailing: '[{{done}}/{{total}}] {{ok}} ok, {{failures}} not ok',
    },
  },
  provision: {
    progress: {
      failed: 'failed',
      toChange_one: '{{count}} to change',
      toChange_other: '{{count}} to change',
      changed_one: '{{count}} changed',
      changed_other: '{{count}} changed',
    },
    stage: {
      plan: 'plan',
      apply: 'apply',
      check: 'check',
    },
    refuse: 'refusing to provision without confirmation: there is no terminal to ask',
    refuseJson: 'refusing to provision without confirmation: there is no terminal to ask (--json)',
    refuseHint: 'add --yes to apply, or --check to only see what would change',
    logs: 'logs: {{dir}}',
    checkHead_one: 'Check: recipe {{recipe}}, {{count}} device',
    checkHead_other: 'Check: recipe {{recipe}}, {{count}} devices',
    planHead_one: 'Plan: recipe {{recipe}}, {{count}} device',
    planHead_other: 'Plan: recipe {{recipe}}, {{count}} devices',
    changes_one: '{{count}} change',
    changes_other: '{{count}} changes',
    confirm_one: 'Apply {{changes}} on {{count}} device?',
    confirm_other: 'Apply {{changes}} on {{count}} devices?',
    changesDevices: 'provisioning changes devices',
    applyHead_one: 'Apply: {{count}} device',
    applyHead_other: 'Apply: {{count}} devices',
    render: {
      none: '(none)',
      ok: 'ok',
      changed: 'changed',
      failed: 'failed',
      skipped: 'skipped',
      wouldChange: 'would change',
      unreachable: 'unreachable',
      nothingToChange_one: '{{count}} steps, nothing to change',
      nothingToChange_other: '{{count}} steps, nothing to change',
      recap: 'RECAP',
      recapCheck: 'RECAP (check: nothing was changed)',
      total: 'TOTAL',
      totalDevices_one: '({{count}} device, {{failed}} failed or unreachable)',
      totalDevices_other: '({{count}} devices, {{failed}} failed or unreachable)',
    },
  },
  lab: {
    needsRoot: 'jfleet lab {{what}} needs root (it mounts overlays and starts sshd in namespaces)',
    needsRootHint: 'run: sudo jfleet lab {{what}}',
    installingSshd: '/usr/sbin/sshd is missing; installing openssh-server (apt-get)',
    installFailed: 'could not install openssh-server: {{reason}}',
    installFailedHint: 'install it yourself: apt-get install -y openssh-server',
    up: 'lab {{id}} up: {{count}} devices ({{first}} … {{last}}) in {{districts}} districts',
    inventory: 'inventory: {{file}}',
    passwordOnly: 'password-only devices: {{ids}} (root password: {{password}})',
    useIt: `to use it:
  export JFLEET_INVENTORY={{inventory}}
  export JFLEET_KEY_FILE={{keyFile}}
  jfleet exec -- hostname`,
    stopIt: 'stop it with: jfleet lab down',
    noLab: 'no lab {{id}}',
    seeStatus: 'see: jfleet lab status',
    stopped: 'stopped {{ids}}',
    noneToStop: 'no lab to stop',
    ownerLabUp: 'lab up',
    ownerPid: 'pid {{pid}}',
    noneRunning: 'no lab is running (start one with: sudo jfleet lab up --devices 20)',
    statusLine: '{{up}}/{{count}} devices answering  started by {{owner}}',
    stale: '(stale: owner gone)',
  },
  central: {
    needsToken: 'the central server needs a token that runners must send',
    needsTokenHint: 'set JFLEET_CENTRAL_TOKEN (or pass --token)',
    tlsPair: '--tls-cert and --tls-key go together',
    badHost: '--host "{{host}}" is not an IP address or a host name',
    readTokenEmpty: '--read-token is empty: give the token readers must send, or leave the flag out',
    tlsMissing: 'cannot read {{flag}} {{file}}: no such file',
    tlsNotCert: '{{file}} (--tls-cert) is not a PEM certificate ({{detail}})',
    tlsNotKey: '{{file}} (--tls-key) is not a PEM private key ({{detail}})',
    tlsMismatch: 'the key {{key}} does not belong to the certificate {{cert}}',
    tlsHint: 'a PEM file starts with -----BEGIN CERTIFICATE----- or -----BEGIN PRIVATE KEY-----',
    /** what OpenSSL found wrong, by its error code (an unknown code is shown as OpenSSL wrote it) */
    tlsReason: {
      noStartLine: 'no "-----BEGIN" line',
      badEndLine: 'the "-----END" line is missing or damaged',
      badBase64: 'the text between BEGIN and END is not base64',
      unsupported: 'not a key OpenSSL can read',
      damaged: 'the data between BEGIN and END is damaged or cut short',
    },
    tlsHolds: 'it holds a {{label}}',
    tlsKeyEncrypted: '{{file}} (--tls-key) is protected by a passphrase, which a server cannot type',
    tlsKeyEncryptedHint: "write an unprotected copy that only the server's user can read: (umask 077; openssl pkey -in '{{file}}' -out server.key)",
    portInUse: 'port {{port}} on {{host}} is already in use',
    portInUseHint: 'pick another with --port',
    notAllowed: 'not allowed to listen on {{address}}',
    serving: 'jfleet central: serving {{url}} (database {{db}})',
    dashboard: 'dashboard: {{url}}',
    reports: 'reports:   POST {{url}} (bearer token)',
    reads: 'reads:     {{how}}',
    readsToken: 'need the read token',
    readsOpen: 'open (no read token)',
    stopWith: 'stop with Ctrl-C',
    stopped: 'jfleet central: stopped',
  },
  bastion: {
    portsInvalid: '--ports takes ports 1-65535 separated by ",", not "{{list}}"',
    socketDirInvalid: '--socket-dir must be an absolute path of letters, digits, _ . / -, not "{{dir}}"',
    cannotRead: '{{flag}}: cannot read {{file}}: {{reason}}',
    maxStartupsInvalid: '--max-startups takes start:rate:full like 300:30:600, not "{{value}}"',
    operatorInvalid: '--operator must be a POSIX user name, not "{{value}}"',
    operatorKeyNeedsOperator: '--operator-key needs --operator (the user it logs in as)',
    wrote: 'wrote {{file}}',
    applied: 'bastion layout applied under {{root}}; now: sshd -t && systemctl reload ssh',
    addNeedsKey: 'bastion add needs the kiosk tunnel public key: --key "ssh-ed25519 …" or --key-file FILE',
    added: '{{id}}: user {{user}} may hold its tunnel at {{socketDir}}/ssh.sock',
    noAccount: '{{id}} has no account on this bastion (user {{user}}); nothing was changed',
    revoked: '{{id}}: revoked (user {{user}} locked, key removed, {{killed}} session process(es) ended, socket removed)',
  },
  tunnel: {
    heading: 'tunnels (reach: tunnel; the link, apart from the verdict above):',
    up: 'tunnel up via {{bastion}}, connected since {{since}}, last seen {{seen}}',
    down: 'tunnel DOWN via {{bastion}}, last seen {{seen}}',
    unknown: 'tunnel unknown via {{bastion}} ({{error}}), last seen {{seen}}',
    viaPort: '{{bastion}} port {{port}}',
    bastionNotReached: 'bastion not reached',
    never: 'never',
    secondsAgo: '{{n}} s ago',
    minutesAgo: '{{n}} min ago',
    hoursAgo: '{{n}} h ago',
    daysAgo: '{{n}} d ago',
  },
  errors: {
    mustBeWholeNumber: 'must be a whole number',
    isRequired: 'is required',
    csvParser: {
      csv: 'CSV: {{message}}',
      quoteNotClosed: 'a quote (") opened and never closed; a value with a quote in it goes in quotes, the quote doubled: "Bu ""Sari"""',
      openingQuote: 'a quote (") inside column {{column}}, whose value does not start with one; put the whole value in quotes and double the quote: "a ""b"""',
      closingQuote: 'text right after a closing quote ("); a quoted value ends at its quote, then a comma or the end of the line',
    },
    // words that stand in a sentence for a value: said when the value is exactly one of them
    words: {
      directory: 'a directory',
      fifo: 'a FIFO',
      socket: 'a socket',
      device: 'a device',
      notADatabase: 'not a database',
      corrupt: 'corrupt',
      environment: 'environment',
      column: 'column {{n}}',
      forExample: 'e.g. --waves {{waves}}',
    },
    // a value of the wrong kind in a file or a flag (zod's invalid_type, said for a technician)
    mustBeMapping: 'must be a mapping',
    mustBeText: 'must be text',
    mustBeTextNotNumber: 'must be text (it was read as a number: put it in quotes)',
    mustBeNumber: 'must be a number',
    mustBeTrueOrFalse: 'must be true or false',
    unknownField: 'unknown field',
    unknownFields: 'unknown fields {{keys}}',
    mustNotBeEmpty: 'must not be empty',
    noControlChars: 'must not contain control characters',
    hostAddress: 'must be an IP address or an RFC 1123 host name',
    port: 'must be 1-65535',
    macAddress: 'must be a MAC address like 00:11:22:33:44:55',
    posixUser: 'must be a POSIX user name',
    modelChars: 'must be letters, digits, spaces and . , _ ( ) + / : -',
    noDotDot: 'must not contain ".."',
    serialChars: 'must be letters, digits, ".", "_" or "-"',
    personName: "must be a name (letters, spaces, . , ' -)",
    phone: 'must be a phone number',
    jumpHost: 'must be a package id or [user@]host[:port]',
    packageId: 'must be lower-case letters, digits and "-" (max 63)',
    villageCodeFormat: 'must be a Kemendagri village code like 35.09.13.2006',
    tagChars: 'must be lower-case letters, digits, "_", ".", "=" or "-"',
    tagCharsValue: 'must be lower-case letters, digits, "_", ".", "=" or "-" ("{{tag}}")',
    fingerprint: 'must be an OpenSSH SHA256 fingerprint',
    pathChars: 'must be a path of letters, digits, _ . / ~ -',
    notVillageCode: '"{{code}}" is not a Kemendagri village code like 35.09.13.2006',
    unknownVillageCode: 'unknown village code {{code}} (find codes with: jfleet villages NAME)',
    unknownVillageCodeSee: 'unknown village code {{code}} (see: jfleet villages)',
    ambiguousVillage: 'village name "{{name}}" is ambiguous: {{candidates}}; use the code',
    unknownVillageDidYouMean: 'unknown village "{{name}}" (did you mean {{suggestions}}?)',
    unknownVillage: 'unknown village "{{name}}" (see: jfleet villages)',
    duplicateOfLine: 'duplicate of line {{line}}',
    duplicateOfEarlier: 'duplicate of an earlier entry',
    registeredDifferently:
      'package {{id}} is already registered with a different {{fields}}; remove it first (jfleet inventory remove {{id2}}) or edit packages.yaml',
    duplicateUsedBy: 'duplicate {{field}} {{value}} (already used by {{who}})',
    packageRef: 'package {{id}}',
    lineRef: 'line {{line}}',
    earlierEntry: 'an earlier entry',
    csvTooManyRows: 'more than {{max}} rows: split the file (nothing was imported)',
    csvEmpty: 'empty file: expected a header line such as id,village,address,port,user,serial,mac,model,tags',
    csvUnknownColumn: 'unknown column "{{column}}" (known: {{known}})',
    csvColumnTwice: 'column appears twice',
    csvRequiredColumn: 'required column is missing from the header',
    csvFieldCount: 'expected {{expected}} fields ({{header}}), found {{found}}',
    yamlNotMapping: 'expected a mapping with a "packages" list',
    mustBeList: 'must be a list',
    duplicateAlsoAt: 'duplicate {{what}} (also at line {{line}})',
    mustBeEnOrId: 'must be en or id',
    mustBeZlibOrNone: 'must be zlib or none',
    timeZone: 'must be an IANA time zone, e.g. Asia/Jakarta',
    wholeNumberMin1: 'must be at least 1',
    max1000: 'must be at most 1000',
    httpUrl: 'must be an http(s) URL',
    printableAscii: 'must be printable ASCII without spaces',
    cron: 'must be a cron expression with 5 or 6 fields, e.g. "*/15 * * * *"',
    cannotReadConfig: '{{file}}: cannot read the config: {{reason}}',
    check: {
      noData: '{{what}}: no data',
      upUnexpected: 'up {{duration}} (rebooted unexpectedly at {{at}}, outside the nightly window {{window}})',
      up: 'up {{duration}}',
      load: 'load {{load}} on {{cpus}} CPU(s) ({{per}} per CPU)',
      memory: 'memory {{pct}}% available ({{mib}} MiB)',
      diskInodes: 'disk / {{pct}}% free ({{mib}} MiB), inodes {{ipct}}% free',
      disk: 'disk / {{pct}}% free ({{mib}} MiB)',
      noSensor: 'temperature: no sensor',
      temperature: 'CPU {{c}} °C',
      // the kiosk's checks (kiosk_browser, kiosk_unit, kiosk_screen, camera); most specific first
      standIn: 'stand-in browser (lab device): no real browser runs here',
      standInDead: 'stand-in browser (lab device) not running',
      browserAnswersRestarts: 'kiosk browser answers (jfleet-kiosk.service {{state}}, {{n}} restarts)',
      browserAnswersUnit: 'kiosk browser answers (jfleet-kiosk.service {{state}})',
      browserAnswers: 'kiosk browser answers',
      browserSilentRestarts: 'kiosk browser does not answer (DevTools on 127.0.0.1:9222) (jfleet-kiosk.service {{state}}, {{n}} restarts)',
      browserSilentUnit: 'kiosk browser does not answer (DevTools on 127.0.0.1:9222) (jfleet-kiosk.service {{state}})',
      browserSilent: 'kiosk browser does not answer (DevTools on 127.0.0.1:9222)',
      unitLab: 'kiosk unit: not checked (lab device, no systemd)',
      unitRestartsWatchdog: 'jfleet-kiosk.service {{state}}, {{n}} restarts, {{w}} by the watchdog',
      unitRestarts: 'jfleet-kiosk.service {{state}}, {{n}} restarts',
      unitWatchdog: 'jfleet-kiosk.service {{state}}, {{w}} by the watchdog',
      browserRestarts: 'browser restarted {{n}} time(s) in its session',
      screenLab: 'page: not checked (lab stand-in, no real browser)',
      portalTitle: 'portal shown "{{title}}"',
      portal: 'portal shown',
      offlineTitle: 'offline page shown "{{title}}" (the kiosk cannot reach its portal)',
      offline: 'offline page shown (the kiosk cannot reach its portal)',
      errorPage: 'browser error page shown ({{url}})',
      otherPageTitle: 'unexpected page shown "{{title}}" ({{url}})',
      otherPage: 'unexpected page shown ({{url}})',
      cameraLab: 'camera: not checked (lab device)',
      noCamera: 'no camera (no /dev/video* device)',
      camera: 'camera present ({{n}} video device(s))',
      // what a check with no data names ("kiosk browser: no data")
      whatKioskBrowser: 'kiosk browser',
      whatKioskUnit: 'kiosk unit',
      whatPageShown: 'page shown',
      whatCamera: 'camera',
      pageNoAnswer: 'kiosk page does not answer',
      pageHttp: 'kiosk page answers HTTP {{code}}',
      pageSlow: 'kiosk page slow ({{seconds}} s)',
      pageOk: 'kiosk page answers 200',
      whatKioskPage: 'kiosk page',
      displayNotChecked: 'display not checked',
      noDisplaySubsystem: 'no display subsystem found',
      headless: 'headless (no display subsystem)',
      noConnector: 'no display connector found',
      noDisplay: 'no display connected (check the cable and the screen)',
      displaysBlanked: '{{count}} display(s) connected but blanked (DPMS Off)',
      displaysOn: '{{count}} display(s) connected, screen on',
      displays: '{{count}} display(s) connected',
      clockSynced: 'clock synchronised',
      clockNotSynced: 'clock not synchronised',
      clockOffsetNotSynced: 'clock offset {{seconds}} s, not synchronised',
      clockOffset: 'clock offset {{seconds}} s',
      release: 'kiosk release {{release}}',
      noRelease: 'no kiosk release installed (/opt/jfleet-kiosk/current/manifest.json)',
      dnsOk: 'DNS resolves',
      dnsFailed: 'DNS lookup failed',
      notChecked: '{{what}}: not checked',
      httpUnreachable: '{{what}} unreachable',
      httpAnswers: '{{what}} answers HTTP {{code}}',
      reachableTime: '{{what}} reachable (HTTP {{code}}, {{seconds}} s)',
      reachable: '{{what}} reachable (HTTP {{code}})',
      notMeasured: '{{what}}: not measured',
      noPingAnswer: '{{what}} does not answer (100% loss)',
      rtt: '{{what}} rtt {{ms}} ms, loss {{loss}}%',
      unreachableWhy: 'unreachable ({{why}})',
      probeFailed: 'probe failed ({{why}})',
      noAnswer: 'no answer',
      sshHandshake: 'ssh answers (handshake {{ms}} ms)',
      ssh: 'ssh answers',
      allOk: 'all checks ok',
    },
    schedule: {
      invalidCron: '{{what}} is not a valid cron expression: "{{expr}}"',
      invalidCronHint: 'five fields (minute hour day month weekday), or six with seconds first, e.g. "*/15 * * * *"',
    },
    kind: {
      unreachable: 'unreachable: {{message}}',
      auth: 'auth: {{message}}',
      hostkey: 'hostkey: {{message}}',
      timeout: 'timeout: {{message}}',
      protocol: 'protocol: {{message}}',
      script: 'script: {{message}}',
    },
    connect: {
      badSignature: '{{target}} offered {{key}} but did not prove it holds it (bad key-exchange signature: a man in the middle?); nothing was pinned',
      authFailed: 'authentication failed on {{target}} (no offered key or password was accepted)',
      hung: '{{target}} accepted TCP but did not complete the SSH handshake within {{ms}} ms (device hung?)',
      timedOut: '{{target}} unreachable: connect timed out after {{ms}} ms',
      noResolve: '{{target}} unreachable: cannot resolve host name ({{code}})',
      refused: '{{target}} unreachable: connection refused (sshd not running or device off)',
      unreachable: '{{target}} unreachable: {{reason}}',
      protocol: '{{target}}: SSH protocol error: {{reason}}',
    },
    // a few words lower layers put inside their sentences ({{what}}, {{where}}), said whole
    label: {
      sweepSchedule: 'the sweep schedule',
      reportSchedule: 'the report schedule',
      theInventory: 'the inventory',
      unitValue: 'a unit value',
      crontabValue: 'a crontab value',
      centralApi: 'central API',
      timeSync: 'time sync',
      uptime: 'uptime',
    },
    // a duration as health writes it (checks.ts formatDuration: uptime, "since" in status)
    duration: {
      daysHours: '{{days}}d {{hours}}h',
      hoursMinutes: '{{hours}}h {{minutes}}m',
      minutes: '{{minutes}}m',
      seconds: '{{seconds}}s',
      window: '{{start}}+{{minutes}}min',
    },
    // what a connection, a command, a shell or SFTP on a device says when it fails (src/transport)
    transport: {
      hostKeyNamed: 'host key {{fingerprint}}',
      aHostKey: 'a host key',
      noCredentials: 'no key, agent or password to log in to {{target}}',
      notConnected: 'not connected to {{target}} (call connect() first)',
      connectionLost: 'connection to {{target}} lost: {{reason}}',
      lostDuringCommand: 'connection to {{target}} lost during the command: {{reason}}',
      lostStartingShell: 'connection to {{target}} lost while starting a shell: {{reason}}',
      lostDuringSftp: 'connection to {{target}} lost during SFTP: {{reason}}',
      commandCancelled: 'command on {{target}} cancelled',
      commandTimedOut: 'command timed out after {{ms}} ms on {{target}}',
      cannotStartCommand: 'cannot start a command on {{target}}: {{reason}}',
      shellCancelled: 'starting a shell on {{target}} cancelled',
      shellTimedOut: 'starting a shell timed out after {{ms}} ms on {{target}}',
      cannotStartShell: 'cannot start a shell on {{target}}: {{reason}}',
      cannotOpenShell: 'cannot open a shell on {{target}}: {{reason}}',
      shellEndedDuringCommand: 'the shell on {{target}} ended during the command',
      shellEnded: 'the shell on {{target}} has ended',
      cannotOpenSftp: 'cannot open SFTP on {{target}}: {{reason}}',
      sftpFailed: 'SFTP on {{target}}: {{reason}}',
      sftpCannotWrite: 'cannot write {{path}}: {{reason}}',
      sftpCannotChmod: 'cannot chmod {{path}}: {{reason}}',
      sftpCannotRead: 'cannot read {{path}}: {{reason}}',
      sftpCannotStat: 'cannot stat {{path}}: {{reason}}',
      jumpCannotReach: 'jump host {{jump}} cannot reach {{target}}: {{reason}}',
      jumpChainTooLong: 'jump host chain too long at {{jump}}',
      ownJumpHost: '{{id}} cannot be its own jump host',
      cannotPinInto: 'cannot pin the host key of {{target}} ({{fingerprint}}) into {{where}}: {{reason}}',
      cannotPin: 'cannot pin the host key of {{target}} ({{fingerprint}}): {{reason}}',
      pinsUnreadable: 'cannot read the pinned host keys in {{file}} (not a JSON object); not connecting to {{target}}',
      // what ssh2 itself says most often inside those (its words, from the library)
      connectionClosed: 'connection closed',
      notConnectedLib: 'Not connected',
      noResponse: 'No response from server',
      channelOpenFailure: '(SSH) Channel open failure: {{reason}}',
      openFailed: 'open failed',
      connectionRefused: 'Connection refused',
    },
    report: {
      noApi: 'no central API configured',
      noToken: 'no central API token configured',
    },
    config: {
      unknownConfigKey: 'unknown config key "{{key}}"',
      knownKeys: 'known keys: {{value}}',
      invalidValue: 'invalid value',
    },
    mapFile: {
      mapWritesSvgPngOr: '--map writes .svg, .png or .html files, not "{{value}}"',
      cannotStartChromiumForThe: 'cannot start Chromium for the PNG ({{value}})',
      installChromiumScriptsInstallSystem: 'install chromium (scripts/install-system-deps.sh), set JFLEET_CHROMIUM, or write .svg/.html instead',
    },
    probe: {
      noJsonInTheProbe: 'no JSON in the probe output ({{JSON}})',
      probeOutputIsNotValid: 'probe output is not valid JSON: {{message}}',
      probeOutputIsNotA: 'probe output is not a JSON object',
    },
    settings: {
      mustBeAMapping: 'must be a mapping',
      unknownSetting: 'unknown setting: {{value}}',
      mustBeAListOf: 'must be a list of { limit, thresholds }',
      mustBeASelector: 'must be a selector',
      unknownProbeSettingKnown: 'unknown probe setting (known: {{value}})',
      mustBeAWholeNumber: 'must be a whole number from {{min}} to {{max}}',
      mustLookLike0700: 'must look like +07:00',
      mustBeAListOf2: 'must be a list of windows',
      mustBeATimeLike: 'must be a time like "02:00"',
      mustBeATimeLike2: 'must be a time like "02:30"',
      mustBeAListOf3: 'must be a list of {{DAYS}}',
    },
    silence: {
      forTakesADurationLike: '--for takes a duration like 90m, 36h, 2d or 1w, not "{{text}}"',
      forMustBeBetween1: '--for must be between 1 minute and a year, not "{{text}}"',
    },
    sweep: {
      fixHealthYamlInThe: 'fix health.yaml in the inventory directory (docs/health.md)',
    },
    thresholds: {
      unknownThresholdKnown: 'unknown threshold (known: {{value}})',
      mustBeOneOf: 'must be one of {{allowed}}',
      mustBeANumberOf: 'must be a number of at least 0',
      mustBeAWholeNumber: 'must be a whole number of at least 1',
    },
    inputFile: {
      cannotReadPermissionDenied: 'cannot read {{file}}: permission denied ({{code}})',
      cannotReadAPathComponent: 'cannot read {{file}}: a path component is not a directory (ENOTDIR)',
      cannotReadIsADirectory: 'cannot read {{file}}: is a directory, not a file',
      cannotReadIsNotA: 'cannot read {{file}}: is {{kind}}, not a regular file',
      isBytesOverTheByte: '{{file}} is {{size}} bytes, over the {{max}}-byte limit for an input file',
      isOverTheByteLimit: '{{file}} is over the {{max}}-byte limit for an input file',
    },
    lint: {
      addressIsSharedWithDifferent: 'address {{host}} is shared with {{id}} (different ports); check that this is intended',
      jumpHostIsNotA: 'jump host "{{jump}}" is not a package id in this inventory',
      aPackageCannotBeIts: 'a package cannot be its own jump host',
    },
    registration: {
      fixTheRowsAboveOr: 'fix the rows above (or pass --skip-invalid to import the good ones); nothing was written',
      nothingWasWritten: 'nothing was written',
    },
    selector: {
      seeDocsSelectorsMdDistrict: 'see docs/selectors.md: district, 35.09.13, village, id glob, tag:NAME, @failed; "," or, "&" and, "!" not',
      atColumn: '{{message}} at column {{column}} in "{{selector}}"',
      tooLong: 'selector longer than {{max}} characters in "{{selector}}"',
      ended: 'expected a term (district, village, id, tag:NAME, @failed) but the selector ended',
      termBefore: 'expected a term before "{{char}}"',
      charNotAllowed: 'character "{{char}}" is not allowed',
      unmatched: 'unmatched ")"',
      unclosed: 'unclosed "("',
      globTooLong: 'glob longer than {{max}} characters',
      unknownAt: 'unknown selector "{{term}}" (did you mean @failed?)',
      tagNeedsName: 'tag: needs a tag name',
      idNeedsId: 'id: needs a package id or glob',
      unknownKind: 'unknown selector kind "{{kind}}:" (use tag:, district:, village: or id:)',
      notCodePrefix: '"{{code}}" is not a Jember code prefix (35.09, 35.09.13 or 35.09.13.2006)',
      unknownDistrictCode: 'unknown district code {{code}} (see: jfleet villages)',
      matchesNothing: '"{{term}}" matches no district, village or package id',
      matchesNothingDidYouMean: '"{{term}}" matches no district, village or package id (did you mean {{suggestion}}?)',
      unknownDistrict: 'unknown district "{{name}}"',
      unknownDistrictDidYouMean: 'unknown district "{{name}}" (did you mean {{suggestion}}?)',
      unknownVillage: 'unknown village "{{name}}"',
    },
    kex: {
      sha1: 'key-exchange algorithm "{{name}}" uses SHA-1, which jfleet refuses ({{sha1}}); use e.g. {{suggestion}}',
      unknown: 'unknown key-exchange algorithm "{{name}}" (known: {{known}})',
      list: 'must be a comma-separated list of SSH key-exchange algorithm names, e.g. "curve25519-sha256,ecdh-sha2-nistp256"',
      invalid: 'invalid key-exchange list',
    },
    commander: {
      allowedChoices: 'Allowed choices are {{choices}}.',
    },
    service: {
      noInventoryAtNoPackages: 'no inventory at {{dir}} (no packages.yaml)',
      cannotReadTheListBehind: 'cannot read {{file}} (the list behind @failed): {{value}}',
      isCorruptExpectedAJson: '{{file}} is corrupt (expected a JSON list of package ids), so @failed cannot be resolved',
      removeItTheNextFleet: 'remove it (the next fleet command records a new one) or select the packages another way',
      centralApiAtReportS: 'central API at {{value}}: {{authError}}; {{pending}} report(s) stay queued',
      noSingleReportInThe: 'no single report in the outbox matches {{value}}',
      nameTheReportsToRetry: 'name the reports to retry, or pass --all',
      reportWasAlreadyDelivered: 'report {{reportId}} was already delivered',
      nameTheReportsToDrop: 'name the reports to drop, or pass --dead',
      droppingRemovesReportSFor: 'dropping removes {{n}} report(s) for good; the central API will never see them',
      addYesToConfirm: 'add --yes to confirm',
      anotherRolloutIsRunningLock: 'another rollout is running (lock {{value}}); wait for it, or see: jfleet rollout status',
      releaseIsRequired: '--release is required',
      rolloutOfReleaseWasInterrupted: 'rollout {{id}} of release {{release}} was interrupted',
      noPackageMatches: 'no package matches {{value}}',
      noRolloutToResume: 'no rollout to resume',
      rolloutOfWasAbortedIt: 'rollout {{id}} of {{release}} was aborted ({{value}}); it cannot be resumed',
      noRolloutToAbort: 'no rollout to abort',
      rolloutOfIsAlready: 'rollout {{id}} of {{release}} is already {{state}}',
      abortedByOperatorJfleetRollout: 'aborted by operator (jfleet rollout abort)',
    },
    store: {
      isLockedByAnotherJfleet: '{{file}} is locked by another jfleet run that is still writing',
      tryAgainInAMoment: 'try again in a moment',
    },
    main: {
      theStateDatabaseIs: 'the state database {{db}} is {{value}} ({{message}})',
      restoreItFromABackup: 'restore it from a backup, or move it aside (mv {{db}} {{db2}}.broken) to start with an empty state',
      cannotWriteTheStateDatabase: 'cannot write the state database {{db}}: {{reason}} ({{code}}); the change was not made',
      freeSpaceOnThatFile: 'free space on that file system or make it writable, then run the command again',
      cannotJfleetKeepsItsFiles: 'cannot {{value}}: {{reason}} ({{code}}); jfleet keeps its files under {{home}}',
    },
    apply: {
      anEarlierStepFailed: 'an earlier step failed',
      exitOutput: 'exit {{code}}: {{output}}',
      noOutput: '(no output)',
    },
    steps: {
      notInMirror: 'not in the package mirror: {{names}}(checked with apt-cache policy after apt-get update; nothing was installed)',
      notDebianName: 'package name {{name}} is not a Debian package name',
      installAndRemove: 'package {{name}} is both to install and to remove',
      absentNeedsPaths: 'absent needs a list of paths',
      absentPath: 'path {{path}} must be an absolute path of plain names',
      absentDirectory: '{{path}} is a directory; remove it by hand',
      conditionUnmet: 'skipped: condition not met (systemd did not start {{unit}}: a Condition… of the unit is false on this device)',
      notStartedCondition: 'not started: condition not met',
      // a changed step's reasons (shown in the plan and the recap; each '; '-separated part on its own)
      reasonInstall: 'install {{names}}',
      reasonPurge: 'purge {{names}}',
      reasonEnable: 'enable {{unit}}',
      reasonStart: 'start {{unit}}',
      reasonRemove: 'remove {{path}}',
      reasonInstallDeb: 'install {{name}} {{version}} from {{file}}',
      reasonCreate: 'create {{path}}',
      reasonUpdate: 'update {{path}}',
      reasonFix: 'fix {{label}}',
      reasonLink: 'link {{path}} -> {{target}}',
      reasonRelink: 'relink {{path}}',
      reasonInstallRelease: 'install release {{version}}',
      reasonCreateUser: 'create user {{name}}',
      reasonModeOf: 'mode of {{path}}',
      reasonOwnerOf: 'owner of {{path}}',
      reasonTimeZone: 'time zone {{from}} -> {{to}}',
      reasonHostName: 'set the running host name',
      reasonSshdFirst: 'put the managed block first in {{path}}',
      removeByHand: 'remove it by hand',
      ownerGroupNames: 'owner/group must be user names',
      debNotPlain: '.deb file name {{file}} is not plain',
      hostNameLabel: 'host name {{name}} must be one DNS label (a-z, 0-9, "-")',
      releaseNotPlain: 'release version {{version}} is not plain',
      unitNames: 'unit names {{unit}}/{{wantedBy}} are not systemd unit names',
      sshdNotPlain: 'sshd setting {{key}} {{value}} is not plain',
      zoneName: 'time zone {{zone}} is not a zone name',
      zoneMissing: 'time zone {{zone}} is not installed ({{path}} missing; install tzdata)',
      userName: 'user name {{name}} is not a POSIX user name',
      sshdConfigMissing: 'sshd config {{path}} is missing',
      sshdConfigTooBig: 'sshd config {{path}} is too big to edit safely',
      dirNotFile: '{{path}} is a directory, not a file; remove it by hand',
      fileNotLink: '{{path}} is a file, not a symbolic link; remove it by hand',
      // an ok step's reason (shown with --verbose): what was found already as desired
      okAbsent: '{{path}} absent',
      okPathsAbsent: '{{n}} paths absent',
      okNoPackages: 'no packages listed',
      okPackagesInstalled: '{{n}} packages installed',
      okPackagesInstalledAbsent: '{{n}} packages installed, {{m}} absent',
      okNoDebs: 'no .deb files listed',
      okDebsAtVersions: '{{n}} .deb packages at their versions',
      okDirectoryExists: '{{path}} exists ({{mode}}, {{owner}})',
      okFileMatches: '{{path}} matches (sha256, {{mode}}, {{owner}})',
      okHostName: 'host name is {{name}}',
      okHostNameStatic: 'host name is {{name}} (static; systemd not running)',
      okKeypairKept: '{{path}} exists (kept: the bastion knows its public half)',
      okCurrentRelease: 'current release -> {{target}} (rollouts own it from here)',
      okUnitEnabled: '{{unit}} enabled',
      okUnitActive: '{{unit}} enabled and active',
      okUnitNotStarted: '{{unit}} enabled (systemd not running: not started)',
      okSshdHardened: '{{path}} has the hardened settings first',
      okTimeZone: 'time zone is {{zone}}',
      okUser: 'user {{name}} matches',
    },
    recipe: {
      recipe: 'recipe: {{message}}',
      mustBeFrom: 'variable {{name}} = {{value}} must be {{rule}} (from the inventory entry of {{id}})',
      mustBe: 'variable {{name}} = {{value}} must be {{rule}}',
      notAUrl: 'variable {{name}} = {{value}} is not a URL',
      notSet: 'variable {{name}} is not set',
      hostlabel: 'one DNS label (a-z, 0-9, "-")',
      zone: 'a time zone name like Asia/Jakarta',
      username: 'a POSIX user name',
      hostport: 'host:port like 127.0.0.1:8080',
      url: 'an http(s) URL without quotes, spaces, "$" or backslashes',
      secureurl: 'an https URL (the camera needs a secure page; plain http only to http://localhost), without quotes, spaces, "$" or backslashes',
      hhmm: 'a time HH:MM',
      yesno: 'yes or no',
      windowsize: 'WIDTHxHEIGHT like 1920x1080, or empty',
      renderer: 'auto, gles2, pixman or vulkan',
      seconds: 'whole seconds from 1 to 999',
      count: 'a whole number from 1 to 99',
      duration: 'a duration like 20min',
      version: 'a release version',
    },
    screenshot: {
      unreadable: '{{id}}: the screenshot script printed nothing it understands (is bash installed?)',
      standIn: "{{id}} runs the lab's stand-in browser: there is no screen to capture",
      noDrm: '{{id}} has no display hardware (no /sys/class/drm): there is no screen to capture',
      noDisplay: 'no display connected to {{id}} ({{n}} connector(s), none connected): check the cable and that the screen is on',
      noGrim: '{{id}} has no grim (provision it with the kiosk recipe 2.0.0 or later)',
      noUser: '{{id}} has no kiosk user {{user}}',
      noSession: 'the kiosk session of {{id}} is not running (no Wayland display for {{user}}): is jfleet-kiosk.service active?',
      unexpected: '{{id}}: unexpected screenshot answer {{answer}}',
      captureFailed: '{{id}}: grim could not capture the screen ({{status}})',
      noExitStatus: 'no exit status',
    },
    bootstrap: {
      cannotReadThePasswordFile: 'cannot read the password file {{passwordFile}}: {{value}}',
      bootstrapNeedsTheFactoryPassword: '--bootstrap needs the factory password',
      passPasswordFileFileOr: 'pass --password-file FILE or set JFLEET_BOOTSTRAP_PASSWORD',
      noPublicKey: 'no public key',
      bootstrapTheFleetPublicKey: 'bootstrap: the fleet public key {{pubFile}} is missing (run: jfleet keys init)',
      badPublicKey: 'bad public key',
      bootstrapIsNotAnOpenssh: 'bootstrap: {{pubFile}} is not an OpenSSH public key',
      bootstrapFailed: 'bootstrap failed',
    },
    plan: {
      waitsUntilLoginWithThe: 'waits until login with the fleet key has been proven (run with --bootstrap)',
    },
    recipeLoad: {
      noRecipeYamlInThis: 'no recipe.yaml in this directory',
      fileNamedByTheRecipe: 'file {{rel}} named by the recipe is missing',
      debFileIsMissing: '.deb file {{p}} is missing',
      noProfile: 'recipe {{name}} has no profile "{{profile}}" (have: {{have}})',
    },
    runner: {
      noPackagesMatch: 'no packages match{{value}}',
      theFleetKeyIsNot: 'the fleet key is not accepted yet: would log in with the factory password and install it',
      cancelledBeforeThisDeviceWas: 'cancelled before this device was changed',
    },
    client: {
      apiCafileCannotReadIt: 'api.caFile {{caFile}}: cannot read it ({{value}})',
      pointApiCafileOrJfleet: "point api.caFile (or JFLEET_API_CA_FILE) at a PEM file with the CA that signed the central API's certificate",
      centralApiAtHttp: 'central API at {{base}}: HTTP {{status}} {{value}}',
      apiUrlIsNotA: 'api.url "{{shown}}" is not a URL',
      apiUrlMustBeHttp: 'api.url "{{shown}}" must be http(s)',
      apiUrlCarriesAUser: 'api.url "{{value}}" carries a user name or password',
      putTheCredentialInApi: 'put the credential in api.token (sent in the Authorization header) and set api.url without user:password@',
      httpTheCentralApiRefused: 'HTTP {{status}}: the central API refused the token{{value}}',
      httpTheCentralApiRefusedDetail: 'HTTP {{status}}: the central API refused the token ({{detail}})',
      httpButAcknowledged: 'HTTP {{status}}, but it acknowledged report {{id}}',
      httpButNotReportAccepted: 'HTTP {{status}}, but the answer is not a ReportAccepted document',
      httpDetail: 'HTTP {{status}} {{detail}}',
      centralApiAt: 'central API at {{base}}: {{reason}}',
      notAFleetState: 'central API at {{base}}: the answer is not a fleet state ({{issue}})',
      // why no answer came (client.ts networkReason: Node's and undici's own words, after their code)
      noAnswerWithin: 'no answer within {{seconds}} s',
      refused: 'ECONNREFUSED (connect ECONNREFUSED {{address}})',
      noSuchHost: 'ENOTFOUND (getaddrinfo ENOTFOUND {{host}})',
      dnsNoAnswer: 'EAI_AGAIN (getaddrinfo EAI_AGAIN {{host}})',
      connectTimedOut: 'ETIMEDOUT (connect ETIMEDOUT {{address}})',
      hostUnreachable: 'EHOSTUNREACH (connect EHOSTUNREACH {{address}})',
      networkUnreachable: 'ENETUNREACH (connect ENETUNREACH {{address}})',
      connectTimeout: 'UND_ERR_CONNECT_TIMEOUT: Connect Timeout Error (attempted address: {{address}}, timeout: {{ms}}ms)',
      closedBySide: 'UND_ERR_SOCKET: other side closed',
      connectionReset: 'ECONNRESET (read ECONNRESET)',
      badPort: 'bad port',
      selfSigned: 'DEPTH_ZERO_SELF_SIGNED_CERT: self-signed certificate',
      selfSignedInChain: 'SELF_SIGNED_CERT_IN_CHAIN: self-signed certificate in certificate chain',
      unknownIssuer: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE: unable to verify the first certificate',
      certExpired: 'CERT_HAS_EXPIRED: certificate has expired',
      certWrongName: "ERR_TLS_CERT_ALTNAME_INVALID: Hostname/IP does not match certificate's altnames: {{detail}}",
      notTls: 'ERR_SSL_WRONG_VERSION_NUMBER: {{detail}}',
    },
    // what the reference central server answers (src/central/server.ts: error code, then message), as the CLI shows it
    centralServer: {
      readTokenAndPublic: 'a read token and --public-read contradict each other: pick one',
      openToNetwork:
        'on {{host}} the dashboard and fleet JSON would be open to the network: set a read token (JFLEET_CENTRAL_READ_TOKEN or --read-token), or say --public-read',
      unauthorized: 'unauthorized: missing or wrong bearer token',
      readToken: 'unauthorized: reads need the read token ({{how}})',
      misdirected: 'misdirected_request: this server does not answer to that Host name (add it with --server-name)',
      noReport: 'not_found: no report mentioned package {{id}}',
      noRoute: 'not_found: no route {{method}} {{path}}',
      methodNotAllowed: 'method_not_allowed: {{method}} is not allowed on {{path}}',
      internal: 'internal: internal server error',
      sendJson: 'unsupported_media_type: send application/json',
      encoding: 'unsupported_encoding: content-encoding {{encoding}} is not supported (gzip or identity)',
      tooLarge: 'too_large: a report may be at most {{bytes}} bytes',
      busy: 'busy: the server holds too many report bodies right now; retry shortly',
      badBody: 'bad_body: cannot read the body: {{reason}}',
      notJson: 'invalid_json: the body is not JSON',
      invalidReportIssue: 'invalid_report: the body is not a valid jfleet-central/v1 report ({{path}}: {{issue}})',
      invalidReport: 'invalid_report: the body is not a valid jfleet-central/v1 report',
      createdInFuture:
        "created_in_future: createdAt {{createdAt}} is {{ahead}} s ahead of the server's clock ({{now}}); at most {{max}} s is allowed: fix the runner's clock (NTP), then jfleet outbox retry",
    },
    release: {
      releaseBundleEntry: 'release bundle {{label}}: entry "{{value}}" {{why}}',
      releaseBundleIsNotA: 'release bundle {{label}} is not a valid {{kind}}: {{msg}}',
      releaseBundleIsNotA2: 'release bundle {{label}} is not a valid {{kind}}: it holds no entries',
      versionIsNotAValid: '--version "{{version}}" is not a valid release version',
      useLettersDigitsOrE: 'use letters, digits, ".", "_", "+" or "-", e.g. 1.4.0 or 2026.11.28-1',
      noSuchFileOrDirectory: '{{label}}: no such file or directory',
      cannotStoreReleaseInNothing: 'cannot store release {{version}} in {{root}}: {{why}}; nothing was stored',
      aReleaseIsADirectory: '{{label}}: a release is a directory or a .tar/.tar.gz/.tgz archive',
      theBundleHasNoThe: '{{label}}: the bundle has no {{INDEX_FILE}} (the kiosk app)',
      aReleaseHoldsWwwThe: 'a release holds www/ (the kiosk page), optional config and an optional "check" script',
      notJson: 'not JSON: {{value}}',
      saysButVersionIs: 'says {{value}}, but --version is {{version}}',
      checksumsDoNotMatchThe: 'checksums do not match the bundle: {{value}}{{value2}}',
      releaseAlreadyExistsWithDifferent: 'release {{version}} already exists with different content; releases are immutable',
      publishTheChangeUnderA: 'publish the change under a new version',
      isNotAValidRelease: '"{{value}}" is not a valid release version',
      noReleaseIn: 'no release {{version}} in {{root}}',
      releaseInIsDamagedIt: 'release {{version}} in {{root}} is damaged ({{damaged}}); it cannot be used',
      releaseDoesNotMatchIts: 'release {{version}}: {{archivePath}} does not match its recorded sha256; the store is damaged',
      removeTheReleaseDirectoryAnd: 'remove the release directory and add it again',
    },
    update: {
      noLongerInTheInventory: 'no longer in the inventory',
      afterTheSwitchRollback: 'after the switch: {{error}}; rollback: {{error2}}',
      noPreviousReleaseToRoll: '{{why}}; no previous release to roll back to',
      rollbackToFailedItsGate: '{{why}}; rollback to {{previous}} failed its gate too: {{problems}}',
    },
    waves: {
      wavesHasAnEmptyEntry: '--waves "{{spec}}" has an empty entry',
      useCountsAndPercentagesE: 'use counts and percentages, e.g. --waves {{DEFAULT_WAVES}}',
      wavesMustBeAPercentage: '--waves: "{{p}}" must be a percentage above 0% and at most 100%',
      wavesMustBeADevice: '--waves: "{{p}}" must be a device count of at least 1',
      wavesIsNeitherADevice: '--waves: "{{p}}" is neither a device count (e.g. 1) nor a percentage (e.g. 10%)',
      wavesEndsAtTheLast: '--waves "{{spec}}" ends at {{pct}}%: the last wave must be 100% so every selected device is updated',
      theWavesCoverOfSelected: 'the waves cover {{lastTarget}} of {{total}} selected devices: end them with 100%',
      maxFailMustBeAt: '--max-fail: "{{spec}}" must be at most 100%',
      maxFailIsNeitherA: '--max-fail: "{{spec}}" is neither a count (e.g. 2) nor a percentage (e.g. 5%)',
    },
    install: {
      systemdAndCronDoNot: '{{systemdFlag}} (systemd) and {{cronFlag}} (cron) do not go together',
      pickOneOrSayWhich: 'pick one, or say which with --kind',
      isForSystemdUnitsNot: '{{systemdFlag}} is for systemd units, not --kind cron',
      isForCronNotKind: '{{cronFlag}} is for cron, not --kind systemd',
      notForDaemon: '{{flag}} is for a one-shot sweep on a timer, not --kind daemon',
      daemonTakesCron: 'the daemon takes its schedule from --cron',
      hasFieldsScheduleInstallWrites:
        '{{value}} "{{cronExpr}}" has {{length}} fields; schedule install writes crontab and systemd timers, which take exactly 5 (minute hour day month weekday)',
      cronPicksUpEtcCron: 'cron picks up /etc/cron.d by itself',
    },
    units: {
      mustNotContainControlCharacters: '{{what}} must not contain control characters or newlines',
      cannotTurnIntoASystemd: 'cannot turn "{{expr}}" into a systemd OnCalendar; pass --on-calendar',
      eGOnCalendar0: 'e.g. --on-calendar "*:0/15" (see man systemd.time)',
    },
    lock: {
      anotherIsStartingNotStarting: 'another {{name}} is starting; not starting a second one',
      itDidNotFinishWithin: 'it did not finish within the wait time',
      waitForItOrRun: 'wait for it, or run with --wait to queue behind it',
      anotherIsRunningPidSince: 'another {{name}} is running (pid {{pid}}, since {{since}}); not starting a second one',
      gaveUpWaitingForThe: 'gave up waiting for the {{name}} lock',
    },
    ssh: {
      reportedReadyWithoutACompleted: '{{name}} reported ready without a completed key exchange',
      connectionLostBeforeTheSsh: 'connection lost before the SSH session was ready',
    },
    // the yaml library's own sentences (errors.ts yamlMessage), as yaml 2.x writes them
    yamlParser: {
      yaml: 'YAML: {{message}}',
      nestedTooDeeply: 'nested too deeply',
      tooManyAliases: 'too many aliases (more than {{max}} expansions: an alias bomb?)',
      moreThanOneDocument: 'more than one YAML document in the file (a second "---" line)',
      aliasProps: 'An alias node must not specify any properties',
      aliasEmpty: 'Alias cannot be an empty string',
      aliasColon: 'Alias ending in : is ambiguous',
      anchorEmpty: 'Anchor cannot be an empty string',
      anchorColon: 'Anchor ending in : is ambiguous',
      anchorWhitespace: 'Anchor must not contain whitespace or control characters: {{anchor}}',
      collectionType: '{{tag}} used for {{type}} collection, but expects {{expected}}',
      badEscape: 'Invalid escape sequence {{sequence}}',
      sequenceColumn: 'All sequence items must start at the same column',
      mappingColumn: 'All mapping items must start at the same column',
      propOrder: 'Anchors and tags must be after the {{indicator}} indicator',
      plainStart: 'Plain value cannot start with {{char}}',
      blockSequenceAsKey: 'A block sequence may not be used as an implicit map key',
      nestedCompact: 'Nested mappings are not allowed in compact mappings',
      duplicateKey: 'Map keys must be unique',
      blockHeaderMissing: 'Block scalar header not found',
      mapCommentTrailing: 'Map comment with trailing content',
      closingSingleQuote: "Missing closing 'quote",
      closingDoubleQuote: 'Missing closing "quote',
      collectionOnMarkerLine: 'Block collection cannot start on same line with directives-end marker',
      commentSpace: 'Comments must be separated from other tokens by white space characters',
      implicitKeyValue: 'Implicit map keys need to be followed by map values',
      directivesEndMissing: 'Missing directives-end indicator line',
      documentStartMissing: 'Missing directives-end/doc-start indicator line',
      itemWithoutDash: 'Sequence item without - indicator',
      propsSpace: 'Tags and anchors must be separated from the next token by white space',
      missingComma: 'Missing , between {{collection}} items',
      missingCommaOrColon: 'Missing , or : between {{collection}} items',
      missingSpaceAfterColon: 'Missing space after : in {{collection}}',
      keyOnOneLine: 'Implicit keys need to be on a single line',
      pairKeyOnOneLine: 'Implicit keys of flow sequence pairs need to be on a single line',
      oneAnchor: 'A node can have at most one anchor',
      oneTag: 'A node can have at most one tag',
      tabIndent: 'Tabs are not allowed as indentation',
      unresolvedTag: 'Unresolved tag: {{tag}}',
      blockHeaderExtra: 'Block scalar header includes extra characters: {{source}}',
      expectedFlowScalar: 'Expected a flow scalar value, but found: {{type}}',
      unexpectedIn: 'Unexpected {{token}} in {{place}}',
      unexpectedToken: 'Unexpected {{type}} token',
      unexpectedAtNodeEnd: 'Unexpected {{type}} at node end',
      unexpectedEmptyItem: 'Unexpected empty item in {{collection}}',
      unsupportedToken: 'Unsupported token {{type}}',
      unsupportedTokenType: 'Unsupported token (type: {{type}})',
      newlineAfterProps: 'Missing newline after block sequence props',
      eitherType: 'Value may be parsed as either {{first}} or {{second}}',
      documentEndAlone: 'Unexpected doc-end without preceding document',
      blockLeadingEmpty: 'Block scalars with more-indented leading empty lines must use an explicit indentation indicator',
      blockInCollection: 'Block scalar values in collections must be indented',
      blockLessIndented: 'Block scalar lines must not be less indented than their {{reference}}',
      firstLine: 'first line',
      explicitIndicator: 'explicit indentation indicator',
      blockHeaderToken: 'Unexpected token in block scalar header: {{type}}',
      flowEndIndent: 'Flow end indicator should be more indented than parent',
      notAToken: 'Not a YAML token: {{source}}',
      flowMustEnd: '{{collection}} must end with a {{end}}',
      flowInBlock: '{{collection}} in block collection must be sufficiently indented and end with a {{end}}',
      flowMap: 'flow map',
      flowSequence: 'flow sequence',
      flowMapStart: 'Flow map',
      flowSequenceStart: 'Flow sequence',
      collection: 'collection',
    },
    yamlGuard: {
      aByteOrderMarkU: 'a byte-order mark (U+FEFF) after the start of the file: save it as UTF-8 with at most one BOM, at the very start',
      moreThanLines: 'more than {{MAX_YAML_LINES}} lines',
      nestedDeeperThanLevels: 'nested deeper than {{MAX_YAML_DEPTH}} levels',
      moreThanValues: 'more than {{MAX_YAML_NODES}} values',
      aMappingOfKeysAt: 'a mapping of {{length}} keys (at most {{MAX_MAP_KEYS}})',
      yamlDuplicateKeyMapKeys: 'YAML: duplicate key "{{value}}" (map keys must be unique)',
    },
    output: {
      cannotWrite: '{{flag}}: cannot write {{file}}: {{reason}}',
      itIsIn: 'it is in {{place}}',
      itIs: 'it is {{place}}',
      resolvesToIn: 'it resolves to {{real}}, in {{place}}',
      resolvesTo: 'it resolves to {{real}}, {{place}}',
      hardLinkIn: 'it is a hard link to {{path}}, in {{place}}',
      hardLink: 'it is a hard link to {{path}}, {{place}}',
      sameFile: '{{flag}} names the same file',
      inventoryDir: 'the inventory directory ({{dir}})',
      referenceData: "jfleet's village reference data ({{dir}})",
      shippedRecipe: "jfleet's shipped kiosk recipe ({{dir}})",
      home: 'JFLEET_HOME ({{dir}}), where jfleet keeps its config, keys and state',
      csvImported: 'the CSV being imported (--from)',
      sshKey: "jfleet's SSH key (keyFile {{file}})",
      caCertificate: "the central API's CA certificate (api.caFile {{file}})",
    },
    reason: {
      noSuchDirectory: 'no such directory',
      notADirectory: 'a path component is not a directory',
      permissionDenied: 'permission denied',
      notPermitted: 'operation not permitted',
      readOnly: 'read-only file system',
      isADirectory: 'is a directory',
      noSpace: 'no space left on the device',
      symlinkLoop: 'too many levels of symbolic links',
      nameTooLong: 'file name too long',
      quota: 'disk quota exceeded',
      fileTooLarge: 'file too large',
      io: 'input/output error',
      dbFull: 'database or disk is full',
      notADb: 'file is not a database',
      dbCorrupt: 'the database file is corrupt',
      dbReadOnly: 'the database is read-only',
      dbCantOpen: 'unable to open the database file',
      diskIo: 'disk I/O error',
      dbDenied: 'access to the database file denied',
    },
    failure: {
      bastionHostkey: '{{message}}; if bastion {{bastion}} was rebuilt, put its new key (ssh-keyscan, read on the bastion itself) in bastions.yaml hostKey',
      tunnelDown:
        "{{message}} (the kiosk's jfleet-tunnel.service is not connected: check its power and 4G link, that it was provisioned with reach: tunnel, and on the bastion: jfleet bastion add {{id}})",
      hostkeyAccept: '{{message}}; if the device was reinstalled, run: jfleet hostkey accept {{id}}',
      keysInit: '{{message}} (run: jfleet keys init, or set keyFile)',
    },
    reach: {
      notInstalled: '{{cmd}} is not installed on this machine (the bastion needs the shadow tools: apt-get install passwd)',
      mustBeRoot: 'jfleet bastion must run as root on the bastion (it creates Unix users and sshd settings)',
      notRootFs: '{{root}} does not look like a root file system (no etc/passwd)',
      groupNotCreated: 'group {{name}} was not created in {{root}}',
      operatorKeyFile: '--operator-key must name a file holding one OpenSSH public key line (e.g. ~/.jfleet/keys/fleet_ed25519.pub)',
      notPackageId: '"{{id}}" is not a package id (lower-case letters, digits and "-")',
      keyLine: '--key must be the device\'s tunnel public key line ("ssh-ed25519 AAAA…", /etc/jfleet/tunnel_ed25519.pub)',
      noGroups: 'this bastion has no {{devices}}/{{ops}} groups yet: run jfleet bastion init --apply first',
      expectedBastionsList: 'expected a mapping with a "bastions" list',
      duplicateBastion: 'duplicate bastion id "{{id}}" (also at line {{line}})',
      needsBastion: 'reach: tunnel needs bastion: <id> (a bastion of bastions.yaml)',
      directOrTunnel: 'must be direct or tunnel',
      needsBastionNoFile: 'reach: tunnel needs a bastion, and {{file}} does not exist (docs/reach.md)',
      needsBastionNone: 'reach: tunnel needs a bastion, and {{file}} defines none (docs/reach.md)',
      needsBastionSeveral: 'reach: tunnel needs a bastion: {{file}} defines several ({{ids}}); name one',
      bastionsMissing: 'bastion "{{id}}" is not defined: {{file}} does not exist',
      unknownBastion: 'unknown bastion "{{id}}" ({{file}} defines: {{ids}})',
      noJump: 'a tunnelled package is reached through its bastion, not a jump host: remove jump or set reach: direct',
      bastionOnlyTunnel: 'bastion is used only with reach: tunnel',
      tunnelOnlyTunnel: 'tunnel settings are used only with reach: tunnel',
      tunnelPortNotOnBastion:
        "port {{port}} is not a port of bastion {{id}} (its ports: {{ports}}): add it to the bastion's ports in {{file}} or remove tunnel.port",
      bastionId: 'must be a bastion id (lower-case letters, digits and "-")',
      wholeSeconds: 'must be a whole number of seconds',
      intervalRange: 'must be 10-3600 s',
      countRange: 'must be 1-10',
      publicKeyLine: 'must be an OpenSSH public key line like "ssh-ed25519 AAAA…" (ssh-keyscan or /etc/ssh/ssh_host_ed25519_key.pub)',
      atLeastOnePort: 'must name at least one port',
      absolutePath: 'must be an absolute path of letters, digits, _ . / -',
      throughBastion: '{{id}} unreachable through bastion {{bastion}}: {{reason}}',
      bastionUnpinned: 'bastion {{id}} has no pinned host key',
      bastionUndefined: '{{id}} is registered with reach: tunnel but its bastion {{bastion}} is not defined',
      tunnelNotConnected: 'its tunnel is not connected to bastion {{bastion}} ({{path}}: {{reason}})',
      keypairNotFile: '{{path}} (or its .pub) is not a regular file; remove it by hand',
      keypairKept: '{{path}} exists (kept: the bastion knows its public half)',
      keypairNoPub: '{{path}} exists without {{path}}.pub; restore it with ssh-keygen -y -f {{path}}',
      keypairMake: 'make an ed25519 key at {{path}} (show it with: cat {{path}}.pub)',
      bastionHostKeyChanged: 'host key of bastion {{bastion}} changed: pinned {{expected}}, offered {{actual}}',
      hostKeyChanged: 'host key of {{target}} changed: pinned {{expected}}, offered {{actual}}',
    },
    // a rollout's health gate (rollout/device.ts gate()) and what one device's update says
    gate: {
      failedOn: 'health gate failed on {{version}}: {{problems}}',
      currentPointsTo: 'current points to {{target}}, not releases/{{version}}',
      currentPointsNowhere: 'current points to nothing, not releases/{{version}}',
      manifestReports: 'manifest.json reports {{version}}',
      manifestNoVersion: 'manifest.json reports no version',
      kioskNotRunning: 'kiosk not running (no pid file)',
      kioskProcessDead: 'kiosk process dead ({{pidFiles}})',
      noListen: 'no KIOSK_LISTEN in kiosk.env',
      pageAnswered: 'page at {{listen}} answered {{code}}',
      pageAnsweredNothing: 'page at {{listen}} answered nothing',
      releaseCheckFailed: 'release check failed (exit {{code}})',
      releaseCheckFailedOutput: 'release check failed (exit {{code}}): {{output}}',
      didNotRun: 'gate did not run',
      notRestartedYet: 'kiosk not restarted yet (same pids as before the switch)',
      restartedAgain: 'kiosk restarted again during the settle window',
      afterTheSwitch: 'after the switch: {{error}}',
      noPreviousRelease: '{{why}}; no previous release',
      rollbackUnhealthy: 'rollback to {{previous}} unhealthy: {{problems}}',
      maxFailPassed: '{{failures}} failure(s) among {{reached}} device(s) reached passed --max-fail {{maxFail}} after wave {{wave}}',
      rolloutAborted: 'rollout aborted',
      abortedByOperator: 'rollout aborted by operator',
      noReasonRecorded: 'no reason recorded',
      internalError: 'internal error: {{message}}',
      // a step on the device that failed, and what its script said
      stepInspect: 'inspect: {{message}}',
      stepTransfer: 'transfer: {{message}}',
      stepInstall: 'install: {{message}}',
      stepSwitch: 'switch: {{message}}',
      stepGate: 'gate: {{message}}',
      stepRollback: 'rollback: {{message}}',
      checksumMismatch: 'checksum mismatch: {{files}}',
      fileCount: 'expected {{expected}} files, found {{found}}',
      archiveDamaged: 'archive arrived damaged (sha256 {{sha}})',
      noStagedArchive: 'no staged archive',
      cannotUnpack: 'cannot unpack the archive',
      releaseNotOnDevice: 'release {{version}} is not on the device',
    },
    // why a release bundle's entry is refused (release.ts, manifest.ts bundlePathProblem)
    bundle: {
      cannotBeRead: 'cannot be read: {{reason}}',
      symlink: 'is a symbolic link; bundles hold regular files only',
      notRegular: 'is not a regular file',
      notRegularTar: 'is not a regular file (tar type {{type}})',
      liesUnderFile: 'lies under "{{dir}}", which is a file',
      absolute: 'is an absolute path',
      fileAndDirectory: 'is both a file and a directory',
      twice: 'appears twice in the archive',
      hardLinkTarget: 'is a hard link whose target "{{target}}" {{why}}',
      hardLinkNotEarlier: 'is a hard link to "{{target}}", which is not a regular file earlier in the archive',
      emptyName: 'has an empty name',
      controlChar: 'has a control character (newline, ESC, ...) in its name',
      backslash: 'has a backslash in its name',
      notUtf8: 'has a name that is not valid UTF-8',
      emptyComponent: 'has an empty path component ("//")',
      dotComponent: 'has a "{{part}}" path component',
      nameBytes: 'has a name of {{n}} bytes (at most {{max}})',
      pathBytes: 'has a path of {{n}} bytes (at most {{max}})',
      tarArchive: '.tar archive',
      entryEndsEarly: 'an entry ends early',
      manifestVersion: 'must be letters, digits, ".", "_", "+" or "-", starting with a letter or digit',
      relativePath: 'must be a relative path inside the bundle',
      sha256: 'must be a sha256 hex digest',
    },
    // provisioning's bootstrap and fact gathering (provision/runner.ts, bootstrap.ts, facts.ts, gather.ts)
    gather: {
      loggedIn: 'logged in with the factory password, installed the fleet key',
      loggedInPinned: 'logged in with the factory password, installed the fleet key, host key pinned ({{key}})',
      keyNotAcceptedCheck: 'fleet key not accepted yet (give the factory password to look with --check, or run without --check to bootstrap)',
      bootstrap: 'bootstrap: {{message}}',
      keyLoginStillFails: 'the fleet key was installed but key login still fails: {{message}}',
      factoryFresh: '{{message}} (a factory-fresh device? run with --bootstrap)',
      readingFacts: 'reading facts: {{message}}',
      unexpectedFile: 'file fact: unexpected output {{output}}',
      unexpectedDirectory: 'directory fact: unexpected output {{output}}',
      unexpectedLink: 'link fact: unexpected output {{output}}',
      unexpectedSshdConfig: 'sshd-config fact: unexpected output {{output}}',
      missingContent: 'file fact: missing content or sha256',
      missingFromAnswer: "fact {{name}} missing from the device's answer",
      notGathered: 'fact {{name}} was not gathered',
      unknownFact: 'unknown fact {{name}}',
      unexpectedPasswd: 'user fact: unexpected passwd line for {{name}}',
      // what is in a path's place ("{{path}} is a symbolic link, not a file")
      symbolicLink: 'symbolic link',
      specialFile: 'special file',
      kindNotFile: '{{path}} is a {{kind}}, not a file; remove it by hand',
      kindNotDirectory: '{{path}} is a {{kind}}, not a directory; remove it by hand',
      fileNotDirectory: '{{path}} is a file, not a directory; remove it by hand',
      kindNotLink: '{{path}} is a {{kind}}, not a symbolic link; remove it by hand',
      directoryNotLink: '{{path}} is a directory, not a symbolic link; remove it by hand',
      currentNotLink: '{{path}}/current is a {{kind}}, not a symbolic link',
      currentFileNotLink: '{{path}}/current is a file, not a symbolic link',
      currentDirectoryNotLink: '{{path}}/current is a directory, not a symbolic link',
    },
    // health.yaml's probe targets (health/settings.ts) and an unknown key in a YAML file (yaml-guard.ts)
    probeTarget: {
      mustBeText: 'must be text',
      noSpaces: 'must not contain spaces or control characters (got {{value}})',
      noDash: 'must not start with "-" (got {{value}}): it would reach the device\'s command as an option',
      httpUrl: 'must be an http(s) URL, e.g. https://portal.example.id/ (got {{value}})',
      hostName: 'must be a host name (RFC 1123), e.g. jemberkab.go.id (got {{value}})',
      ipOrHost: 'must be an IP address or a host name (got {{value}})',
      ipOrHostAuto: 'must be an IP address or a host name (or auto) (got {{value}})',
      expectedMapping: 'expected a mapping',
      unknownKeyKnown: 'unknown key "{{key}}" (known: {{known}})',
      unknownKeyDidYouMean: 'unknown key "{{key}}" (did you mean "{{suggestion}}"?)',
    },
    // exec's refusal of a placeholder value a shell could run (transport/recap.ts)
    placeholder: {
      code: 'refused for {{placeholder}}: the value holds {{found}}; bash can run such a value as code (arithmetic, array subscripts): a placeholder value must not hold $ ` [ ] <( >(',
      spliced:
        "refused for {{placeholder}}: it stands in a longer text that may be a script for another shell (as in 'echo {var.n}' or a heredoc), and the value holds {{found}}; there only letters, digits and _ . / : = @ % + , - pass (give the placeholder a word of its own)",
    },
  },
  advice: {
    fixInventory: 'fix the inventory (jfleet inventory check lists every problem)',
    fixInventoryFile: 'fix {{file}} first (jfleet inventory check); nothing was written',
    noInventory: 'register packages with jfleet register, or pick an inventory with --inventory DIR / JFLEET_INVENTORY',
    rolloutUsage: 'e.g. jfleet rollout --release 1.4.0 --waves 1,10%,50%,100% --max-fail 5%',
    rolloutInProgress: 'finish it with: jfleet rollout resume, or drop it with: jfleet rollout abort',
    rolloutStart: 'start one with: jfleet rollout --release V',
    rolloutRestart: 'start a new one: jfleet rollout --release {{release}}',
    releaseAddAgain: 'add it again from its bundle: jfleet release add PATH --version {{version}} (a damaged release is replaced)',
    releaseAdd: 'add it first: jfleet release add PATH --version {{version}}',
    apiUrlMissing: 'jfleet config set api.url https://central.example/fleet (or set JFLEET_API_URL); run one locally with jfleet central serve',
    apiUrlInvalid: 'jfleet config set api.url https://central.example/fleet',
    apiTokenMissing: 'jfleet config set api.token TOKEN (or set JFLEET_API_TOKEN)',
    apiTokenRejected: 'set the right token with jfleet config set api.token TOKEN (or JFLEET_API_TOKEN), then run jfleet report',
    outboxListAll: 'see jfleet outbox list --all',
    outboxList: 'jfleet outbox list',
    cronSeconds: 'drop the seconds field, e.g. "*/15 * * * *" (six fields with seconds work only for jfleet schedule run)',
    configFileBroken: 'fix or delete the file, then use jfleet config set',
    configEnvInvalid: 'fix it with jfleet config set KEY VALUE (or unset the environment variable)',
  },
  dashboard: {
    title: 'Jember kiosk fleet — jfleet central',
    heading: 'Jember village kiosk fleet',
    packages_one: '{{count}} package',
    packages_other: '{{count}} packages',
    villages_one: '{{count}} village',
    villages_other: '{{count}} villages',
    reportsReceived_one: '{{count}} report received',
    reportsReceived_other: '{{count}} reports received',
    lastReport: 'last report {{when}}',
    generated: 'page generated {{time}}',
    never: 'never',
    language: 'Language',
    langName: {
      en: 'English',
      id: 'Bahasa Indonesia',
    },
    map: {
      title: 'Jember village kiosks',
      subtitle: '{{packages}} in {{villages}}',
      village: '{{village}} ({{district}}): {{state}}',
    },
    district: {
      summary: '{{code}} · {{packages}}: {{states}}',
      stateCount: '{{count}} {{state}}',
    },
    flag: {
      soft: 'soft (not confirmed yet)',
      flapping: 'flapping',
      silenced: 'silenced',
    },
    tunnel: {
      title: 'tunnel via {{bastion}}',
      titleSince: 'tunnel via {{bastion}}, connected since {{since}}',
      bastionPort: '{{bastion}} port {{port}}',
      up: 'tunnel up since {{since}}',
      down: 'tunnel down, seen {{seen}}',
      unknown: 'tunnel unknown, seen {{seen}}',
    },
    allChecksOk: 'all checks ok',
    noRelease: 'no release',
    filter: {
      state: 'State',
      district: 'District',
      search: 'Search',
      all: 'all',
      placeholder: 'package, village, release',
      shown: '{{n}} shown',
    },
    column: {
      package: 'Package',
      village: 'Village',
      state: 'State',
      release: 'Release',
      lastSeen: 'Last seen',
      checks: 'Checks',
    },
    noReport: 'No report received yet.',
    // the page a browser gets instead of the dashboard (src/central/server.ts; JSON clients get the API's error)
    error: {
      title: 'Error {{status}}',
      code: 'code for the IT staff: {{code}}',
      readToken:
        'This dashboard needs the read token. Reload the page and sign in with any user name and the read token as the password; the regency IT staff who run jfleet central have it.',
      misdirected:
        'This server does not answer to the name "{{host}}". Open the dashboard at the address the regency IT staff gave, or ask them to add this name (jfleet central serve --server-name).',
      notFound: 'There is no page at {{path}}. The dashboard is at /.',
      internal: 'The server could not make this page (the reason is in its log). Try again in a minute; if it stays, tell the regency IT staff.',
    },
    footer: {
      json: 'JSON: {{fleet}}',
      history: "a package's history: {{path}}",
    },
    check: {
      load: 'load',
      memory: 'memory',
      disk: 'disk',
      kiosk_browser: 'kiosk browser',
      kiosk_page: 'kiosk page',
      uptime: 'uptime',
      temperature: 'temperature',
      display: 'display',
      time_sync: 'time sync',
      release: 'release',
      dns: 'DNS',
      portal: 'portal',
      central_api: 'central API',
      gateway: 'gateway',
      internet: 'internet',
      ssh: 'SSH',
    },
  },
};
