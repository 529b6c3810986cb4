/**
 * The demo fleet's size when --demo.plans is not given: the eight backup cases, the five restore
 * cases and the five operational stops of the simulator's scenario (src/simulator/scenario.ts,
 * SCENARIO_PLAN_COUNT; test/cli/demo.test.ts holds them equal). Its own module, so the CLI knows
 * it without loading the simulator.
 */
export const DEMO_PLANS = 18;
