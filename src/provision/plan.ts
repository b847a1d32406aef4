/**
 * Planning a whole device: which facts to gather, and each step's plan from them. Pure.
 */
import { stepKind } from './steps/index.js';
import { uniqueRequests } from './gather.js';
import type { ResolvedRecipe, ResolvedStep } from './recipe.js';
import type { FactRequest, FactSource, RunFacts, StepPlan } from './types.js';

export interface PlannedStep {
  step: ResolvedStep;
  plan: StepPlan;
}

export function recipeFacts(recipe: ResolvedRecipe): FactRequest[] {
  const all: FactRequest[] = [];
  for (const s of recipe.steps) all.push(...stepKind(s.kind).facts(s.desired));
  return uniqueRequests(all);
}

export function planDevice(recipe: ResolvedRecipe, facts: FactSource, run: RunFacts): PlannedStep[] {
  return recipe.steps.map((step) => {
    if (step.when === 'key_login_proven' && !run.keyLoginProven) {
      return { step, plan: { status: 'skip', reason: 'waits until login with the fleet key has been proven (run with --bootstrap)', actions: [], diffs: [] } };
    }
    let plan: StepPlan;
    try {
      plan = stepKind(step.kind).plan(step.desired, { facts, run });
    } catch (e) {
      plan = { status: 'fail', reason: e instanceof Error ? e.message : String(e), actions: [], diffs: [] };
    }
    return { step, plan };
  });
}

/** Handlers notified by steps that will change something, in recipe order. */
export function notifiedHandlers(recipe: ResolvedRecipe, planned: PlannedStep[]): string[] {
  const wanted = new Set<string>();
  for (const p of planned) if (p.plan.status === 'change') for (const h of p.plan.notify ?? []) wanted.add(h);
  return Object.keys(recipe.handlers).filter((h) => wanted.has(h));
}
