// CartPole-v0 solved by a policy gradient: REINFORCE with a learned value baseline, in a custom training loop on
// tn.valueAndGrads (the several-argument form of tn.valueAndGrad) and an optimizer's applyGradients.
//
//   npm run example -- cartpole [--seed 1] [--episodes 1000] [--log-every 20]
//
// The environment is Gym's CartPole-v0 (Barto, Sutton & Anderson 1983), written out below. "Solved" is Gym's
// criterion: the average return over 100 consecutive episodes reaches 195 (of at most 200). The run is deterministic
// for a seed: tn.setSeed fixes the initial weights, and the environment and the action sampling draw from their own
// seeded generators.
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as tn from 'tensornode';

/** A small seeded generator (mulberry32): uniform numbers in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Gym's CartPole-v0: a pole hinged on a cart that the agent pushes left (0) or right (1) with a fixed force. */
export class CartPole {
  static readonly gravity = 9.8;
  static readonly massCart = 1.0;
  static readonly massPole = 0.1;
  static readonly totalMass = CartPole.massCart + CartPole.massPole;
  static readonly length = 0.5; // half the pole's length
  static readonly poleMassLength = CartPole.massPole * CartPole.length;
  static readonly forceMag = 10.0;
  static readonly tau = 0.02; // seconds between state updates (explicit Euler)
  static readonly thetaThreshold = (12 * 2 * Math.PI) / 360;
  static readonly xThreshold = 2.4;
  static readonly maxSteps = 200;

  /** [x, xDot, theta, thetaDot] */
  state = [0, 0, 0, 0];
  steps = 0;

  constructor(private readonly random: () => number) {}

  reset(): number[] {
    this.state = this.state.map(() => this.random() * 0.1 - 0.05);
    this.steps = 0;
    return this.state.slice();
  }

  /** One step: the new state, the reward (1 for every step, the last included) and whether the episode is over. */
  step(action: number): { state: number[]; reward: number; done: boolean } {
    const C = CartPole;
    let [x, xDot, theta, thetaDot] = this.state;
    const force = action === 1 ? C.forceMag : -C.forceMag;
    const cos = Math.cos(theta);
    const sin = Math.sin(theta);
    const temp = (force + C.poleMassLength * thetaDot * thetaDot * sin) / C.totalMass;
    const thetaAcc = (C.gravity * sin - cos * temp) / (C.length * (4 / 3 - (C.massPole * cos * cos) / C.totalMass));
    const xAcc = temp - (C.poleMassLength * thetaAcc * cos) / C.totalMass;
    x += C.tau * xDot;
    xDot += C.tau * xAcc;
    theta += C.tau * thetaDot;
    thetaDot += C.tau * thetaAcc;
    this.state = [x, xDot, theta, thetaDot];
    this.steps++;
    const fell = x < -C.xThreshold || x > C.xThreshold || theta < -C.thetaThreshold || theta > C.thetaThreshold;
    return { state: this.state.slice(), reward: 1, done: fell || this.steps >= C.maxSteps };
  }
}

export interface CartPoleOptions {
  seed?: number;
  /** The most episodes to train for; training stops earlier once solved. */
  episodes?: number;
  /** Print a progress line every this many episodes (0: silent). */
  logEvery?: number;
  hidden?: number;
  learningRate?: number;
  gamma?: number;
}

export interface CartPoleResult {
  /** Each episode's return (its number of steps). */
  returns: number[];
  /** The episode (1-based) at which the average over the last 100 first reached 195, or null. */
  solvedAt: number | null;
  seconds: number;
}

/** A dense layer's weights, He-initialised (the output layers small, so that the first policy is nearly uniform). */
function denseWeights(fanIn: number, units: number, scale = 1): [tn.Variable, tn.Variable] {
  return [tn.variable(tn.randomNormal([fanIn, units], 0, scale * Math.sqrt(2 / fanIn))), tn.variable(tn.zeros([units]))];
}

/** Two-layer perceptron: relu(x W1 + b1) W2 + b2, on the tensors given (variables, or valueAndGrads's copies). */
function mlp(x: tn.Tensor, [w1, b1, w2, b2]: tn.Tensor[]): tn.Tensor {
  return tn.add(tn.matMul(tn.relu(tn.add(tn.matMul(x, w1), b1)), w2), b2);
}

/** Discounted returns G_t = r_t + gamma G_{t+1}, for an episode of rewards of 1. */
function discountedReturns(length: number, gamma: number): Float32Array {
  const g = new Float32Array(length);
  let running = 0;
  for (let t = length - 1; t >= 0; t--) g[t] = running = 1 + gamma * running;
  return g;
}

export function trainCartPole(options: CartPoleOptions = {}): CartPoleResult {
  const { seed = 1, episodes = 1000, logEvery = 20, hidden = 32, learningRate = 0.01, gamma = 0.99 } = options;
  tn.setSeed(seed);
  const env = new CartPole(mulberry32(seed));
  const sample = mulberry32(seed + 0x9e3779b9);
  // The policy maps a state to two logits; the value network estimates the (scaled) discounted return.
  const policy = [...denseWeights(4, hidden), ...denseWeights(hidden, 2, 0.1)];
  const value = [...denseWeights(4, hidden), ...denseWeights(hidden, 1, 0.1)];
  const params = [...policy, ...value];
  const optimizer = new tn.optimizers.Adam({ learningRate });
  const returnScale = 1 / 100; // keeps the value network's targets near 1

  const returns: number[] = [];
  let solvedAt: number | null = null;
  const start = performance.now();
  let lastLoss = 0;
  for (let episode = 1; episode <= episodes; episode++) {
    // Roll out one episode with the current policy.
    const states: number[] = [];
    const actions: number[] = [];
    let state = env.reset();
    for (;;) {
      const probs = tn.noGrad(() => tn.softmax(mlp(tn.tensor(state, [1, 4]), policy))).values;
      const action = sample() < probs[0] ? 0 : 1;
      states.push(...state);
      actions.push(action);
      const next = env.step(action);
      state = next.state;
      if (next.done) break;
    }
    const T = actions.length;
    returns.push(T);

    // REINFORCE: the gradient of -mean(log pi(a_t|s_t) * A_t), with the advantage A_t = G_t - V(s_t) normalised
    // over the episode, plus the value network's squared error against G_t.
    const x = tn.tensor(states, [T, 4]);
    const target = discountedReturns(T, gamma).map((g) => g * returnScale);
    const baseline = tn.noGrad(() => mlp(x, value)).values;
    const advantage = target.map((g, t) => g - baseline[t]);
    const mean = advantage.reduce((s, a) => s + a, 0) / T;
    const std = Math.sqrt(advantage.reduce((s, a) => s + (a - mean) ** 2, 0) / T) + 1e-8;
    const adv = tn.tensor(advantage.map((a) => (a - mean) / std), [T]);
    const chosen = tn.oneHot(tn.tensor(actions, [T], 'int32'), 2);
    const targets = tn.tensor(target, [T, 1]);
    const loss = (...p: tn.Tensor[]) => {
      const logProbs = tn.sum(tn.mul(tn.logSoftmax(mlp(x, p.slice(0, 4))), chosen), 1);
      const policyLoss = tn.neg(tn.mean(tn.mul(logProbs, adv)));
      const valueLoss = tn.mean(tn.square(tn.sub(mlp(x, p.slice(4)), targets)));
      return tn.add(policyLoss, valueLoss);
    };
    const { value: l, grads } = tn.valueAndGrads(loss)(params);
    optimizer.applyGradients(grads.map((g, i) => [g, params[i]] as [tn.Tensor, tn.Variable]));
    lastLoss = l.values[0];

    const recent = returns.slice(-100);
    const average = recent.reduce((s, r) => s + r, 0) / recent.length;
    if (logEvery > 0 && (episode % logEvery === 0 || (solvedAt === null && returns.length >= 100 && average >= 195))) {
      const seconds = (performance.now() - start) / 1000;
      console.log(`Episode ${episode}/${episodes} - ${seconds.toFixed(1)}s - return: ${T} - average_return_100: ${average.toFixed(1)} - loss: ${lastLoss.toFixed(4)}`);
    }
    if (returns.length >= 100 && average >= 195) {
      solvedAt = episode;
      break;
    }
  }
  return { returns, solvedAt, seconds: (performance.now() - start) / 1000 };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string', default: '1' },
      episodes: { type: 'string', default: '1000' },
      'log-every': { type: 'string', default: '20' },
    },
  });
  const seed = Number(values.seed);
  const episodes = Number(values.episodes);
  const result = trainCartPole({ seed, episodes, logEvery: Number(values['log-every']) });
  const last = result.returns.slice(-100);
  const average = last.reduce((s, r) => s + r, 0) / last.length;
  if (result.solvedAt !== null) {
    console.log(`Solved (seed ${seed}): average return over episodes ${result.solvedAt - 99}-${result.solvedAt} is ${average.toFixed(1)} >= 195, after ${result.solvedAt} episodes (${result.seconds.toFixed(1)}s)`);
  } else {
    console.log(`Not solved (seed ${seed}) in ${episodes} episodes: average return over the last 100 is ${average.toFixed(1)} (${result.seconds.toFixed(1)}s)`);
    process.exitCode = 1;
  }
}
