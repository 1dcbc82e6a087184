/**
 * @optimpact/peer-measures — the goal-directedness and impact measures the field already proposes,
 * computed exactly from an environment's outcome law for one-decision policies, to set beside the
 * split-history Op and Imp: maximum-entropy goal-directedness (MEG, known and unknown utility), the
 * attainable-utility-preservation penalty (AUP), relative reachability (one and two steps) and the change
 * in next-step empowerment. MEG and empowerment in nats; AUP and reachability are dimensionless.
 */
export type { ContextLaws, Baseline } from './laws.js';
export { contextLaws, expectedUtility, meanAgainst } from './laws.js';
export type { MegKnown, MegKnownOptions, MegUnknown, MegUnknownOptions } from './meg.js';
export { megOfScores, megKnownUtility, megUnknownUtility, identifyByMeg } from './meg.js';
export type { Mixing } from './aup.js';
export { auxiliaryUtilities, aupPenalty } from './aup.js';
export type { CapacityOptions } from './capacity.js';
export { channelCapacity, CapacityCache } from './capacity.js';
export type { NextStep } from './reachability.js';
export { relativeReachability, nextStep, twoStepReachability, empowermentChange, nextStepEmpowerment } from './reachability.js';
export type { PeerOptions, TaskMeg, BaselineScores, PeerMeasurement } from './measure.js';
export { measurePeers, peerMeasurementJson, taskUtility } from './measure.js';
export type { TestbedCase, TestbedRow, TestbedOptions } from './testbed.js';
export { misalignmentCases, misalignmentTestbed, softOptimalPolicy } from './testbed.js';
export { testbedFigureRows, testbedJson, testbedTable } from './testbed-tables.js';
