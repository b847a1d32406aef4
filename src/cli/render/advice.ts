/**
 * How a lower layer's advice reads to the operator: the UserError carries it as data
 * (src/errors.ts Advice) and this words it through the catalog (`advice.*`), naming the jfleet
 * command to run. src/main.ts prints it as the `jfleet: hint:` line.
 */
import type { Advice } from '../../errors.js';
import type { Translate } from '../../i18n/catalog.js';

/** The hint line's text for an advice. */
export function adviceText(advice: Advice, t: Translate): string {
  switch (advice.kind) {
    case 'fix-inventory':
      return t('advice.fixInventory');
    case 'fix-inventory-file':
      return t('advice.fixInventoryFile', { file: advice.file });
    case 'no-inventory':
      return t('advice.noInventory');
    case 'rollout-usage':
      return t('advice.rolloutUsage');
    case 'rollout-in-progress':
      return t('advice.rolloutInProgress');
    case 'rollout-start':
      return t('advice.rolloutStart');
    case 'rollout-restart':
      return t('advice.rolloutRestart', { release: advice.release });
    case 'release-add':
      return advice.again ? t('advice.releaseAddAgain', { version: advice.version }) : t('advice.releaseAdd', { version: advice.version });
    case 'api-url-missing':
      return t('advice.apiUrlMissing');
    case 'api-url-invalid':
      return t('advice.apiUrlInvalid');
    case 'api-token-missing':
      return t('advice.apiTokenMissing');
    case 'api-token-rejected':
      return t('advice.apiTokenRejected');
    case 'outbox-list':
      return advice.all ? t('advice.outboxListAll') : t('advice.outboxList');
    case 'cron-seconds':
      return t('advice.cronSeconds');
    case 'config-file-broken':
      return t('advice.configFileBroken');
    case 'config-env-invalid':
      return t('advice.configEnvInvalid');
  }
}
