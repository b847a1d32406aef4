export {
  loadConfig,
  loadConfigWithOrigin,
  readConfigWithOrigin,
  configReader,
  resolveForks,
  DEFAULT_FORKS,
  setConfigValue,
  unsetConfigValue,
  configFile,
  openConfigStore,
} from './config.js';
export { configSchema, configKeys, maskSecret, envNameFor, type Config, type ConfigKey } from './schema.js';
