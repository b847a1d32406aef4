export { loadConfig, loadConfigWithOrigin, setConfigValue, unsetConfigValue, configFile, openConfigStore } from './config.js';
export { configSchema, configKeys, maskSecret, envNameFor, type Config, type ConfigKey } from './schema.js';
