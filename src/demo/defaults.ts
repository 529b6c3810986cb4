/**
 * The demo fleet's size when --demo.plans is not given: the eight backup cases and the five
 * restore cases of the simulator's scenario (src/simulator/scenario.ts). Its own module, so the
 * CLI knows it without loading the simulator.
 */
export const DEMO_PLANS = 13;
