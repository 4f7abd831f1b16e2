import type { DeployPlan, DeployStep } from './deploy-plan';
import type { RunpodRestClient } from './runpod-rest';

/** One applied step: the step and the RunPod id it ended with (a created endpoint's new id). */
export interface AppliedStep {
  step: DeployStep;
  id: string;
}

/**
 * Carries out a plan, one write at a time in plan order (RunPod rate-limits per account, and a
 * failure then leaves a clear line between done and not done). `onApplied` hears of each step
 * as it completes, so a caller can show progress before a later step fails. Unchanged steps
 * make no request.
 */
export async function applyDeployPlan(plan: DeployPlan, client: RunpodRestClient, onApplied: (applied: AppliedStep) => void = () => undefined): Promise<AppliedStep[]> {
  const applied: AppliedStep[] = [];
  for (const step of plan.steps) {
    let id: string;
    if (step.action === 'create') id = (await client.createEndpoint(step.body)).id;
    else if (step.action === 'update') id = (await client.updateEndpoint(step.id, step.desired.name, step.body)).id;
    else id = step.id;
    const done = { step, id };
    applied.push(done);
    onApplied(done);
  }
  return applied;
}
