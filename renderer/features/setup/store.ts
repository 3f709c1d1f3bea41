import { create } from 'zustand';
import type { MethodResult } from '../../../shared/api/contract';
import type { ApplyStep, SetupTargetInput } from '../../../shared/model/aws';
import { api } from '../../api/client';
import { attempt, type ActionResult } from '../common/action';

type Form = 'legacy' | 'role';

interface SetupState {
  profiles: MethodResult<'aws.profiles'> | null;
  identity: MethodResult<'aws.identity'> | null;
  plan: MethodResult<'aws.plan'> | null;
  verify: MethodResult<'aws.verify'> | null;
  busy: string | null;
  reset(): void;
  loadProfiles(): Promise<void>;
  checkIdentity(ask: {
    profile: string;
    region: string;
    endpoint?: string | null;
    mfaCode?: string;
  }): Promise<ActionResult<MethodResult<'aws.identity'>>>;
  detectRegion(target: SetupTargetInput): Promise<ActionResult<string>>;
  loadPlan(target: SetupTargetInput, form: Form): Promise<ActionResult<MethodResult<'aws.plan'>>>;
  apply(
    target: SetupTargetInput,
    form: Form,
    step: ApplyStep,
    /** The admin confirmed the plan's warnings (an empty prefix). */
    confirmed?: boolean,
  ): Promise<ActionResult<MethodResult<'aws.apply'>>>;
  createKey(target: SetupTargetInput, form: Form): Promise<ActionResult<string>>;
  runVerify(
    target: SetupTargetInput,
    form: Form,
  ): Promise<ActionResult<MethodResult<'aws.verify'>>>;
}

/** The AWS setup wizard's calls: profiles, identity, the generated documents, apply, verify. */
export const useSetupStore = create<SetupState>()((set, get) => {
  /** Run one call with a busy marker, so the wizard can show which button is working. */
  const busy = async <T>(name: string, run: () => Promise<T>): Promise<ActionResult<T>> => {
    set({ busy: name });
    const result = await attempt(run);
    set({ busy: null });
    return result;
  };
  return {
    profiles: null,
    identity: null,
    plan: null,
    verify: null,
    busy: null,
    reset: () => set({ identity: null, plan: null, verify: null, busy: null }),
    async loadProfiles() {
      const result = await attempt(() => api().aws.profiles());
      if (result.ok) set({ profiles: result.value });
    },
    async checkIdentity(target) {
      const result = await busy('identity', () =>
        api().aws.identity({
          profile: target.profile,
          region: target.region,
          endpoint: target.endpoint,
          mfaCode: target.mfaCode,
        }),
      );
      set({ identity: result.ok ? result.value : null });
      return result;
    },
    async detectRegion(target) {
      return busy('region', async () => (await api().aws.bucketRegion(target)).region);
    },
    async loadPlan(target, form) {
      const result = await busy('plan', () => api().aws.plan({ target, form }));
      set({ plan: result.ok ? result.value : null });
      return result;
    },
    async apply(target, form, step, confirmed = false) {
      const result = await busy(`apply:${step}`, () =>
        api().aws.apply({ target, form, step, confirmed }),
      );
      if (result.ok) await get().loadPlan(target, form);
      return result;
    },
    async createKey(target, form) {
      return busy('createKey', async () => (await api().aws.createKey({ target, form })).keyArn);
    },
    async runVerify(target, form) {
      const result = await busy('verify', () => api().aws.verify({ target, form }));
      set({ verify: result.ok ? result.value : null });
      return result;
    },
  };
});
