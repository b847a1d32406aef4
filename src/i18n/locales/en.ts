/**
 * English: the source of every message key (src/i18n/catalog.ts derives MessageKey from it).
 * Keys say what the message says; {{name}} interpolates; key_one / key_other are the plural
 * forms picked by {{count}}. Sections: one per command group, `errors` and `advice` for what
 * lower layers raise, `dashboard` for the page `jfleet central serve` serves.
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
  /** Sentences lower layers raise in English, as templates ctx.t.phrase() matches (src/cli/render/error-text.ts). */
  errors: {
    mustBeWholeNumber: 'must be a whole number',
    isRequired: 'is required',
  },
  /** The page `jfleet central serve` serves: owned by the dashboard's translation (wip/i18n-ui). */
  dashboard: {},
};
