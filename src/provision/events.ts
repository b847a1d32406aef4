/**
 * What a provisioning run tells the outside world while it runs. The engine emits; the CLI
 * handler draws progress from these, and renders the plan, the applied steps and the recap
 * from what the stages hand back. Pure types.
 */
import type { DeviceRecap, ProvisionSummary, StepResult } from './types.js';

export type ProvisionStage = 'plan' | 'apply';

export type ProvisionEvent =
  | { event: 'stage-start'; stage: ProvisionStage; devices: number }
  | { event: 'device-start'; stage: ProvisionStage; device: string }
  /** one step (or handler) of a device done during apply */
  | { event: 'step'; device: string; result: StepResult }
  /** a device's stage settled: failed, or how many changes it plans (plan) or made (apply) */
  | { event: 'device-end'; stage: ProvisionStage; device: string; failed: boolean; changes: number }
  | { event: 'stage-end'; stage: ProvisionStage; devices: DeviceRecap[] }
  | { event: 'summary'; summary: ProvisionSummary };

export type ProvisionSink = (e: ProvisionEvent) => void;
