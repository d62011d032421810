// The example programs (examples/), each run end to end in a shortened form: the metric it reports must move the
// right way. The examples import 'tensornode' (the built package); here that name points at lib/, so the tests run
// the sources without a build of dist/.
import { describe, expect, it, vi } from 'vitest';
import { CartPole, trainCartPole } from '../../examples/cartpole.js';
import { trainAutoencoder } from '../../examples/autoencoder.js';
import { trainMobileNet } from '../../examples/mobilenet-mnist.js';

vi.mock('tensornode', () => import('../../lib/index.js'));

describe('examples/cartpole', () => {
  it('steps like Gym CartPole-v0', () => {
    const env = new CartPole(() => 0.5);
    expect(env.reset()).toEqual([0, 0, 0, 0]);
    // From rest, pushing right: xAcc = 9.7561, thetaAcc = -14.634 (Gym gives xDot 0.19512195, thetaDot -0.29268293).
    const { state, reward, done } = env.step(1);
    expect(state[0]).toBe(0);
    expect(state[1]).toBeCloseTo(0.19512195, 7);
    expect(state[2]).toBe(0);
    expect(state[3]).toBeCloseTo(-0.29268293, 7);
    expect([reward, done]).toEqual([1, false]);
  });

  it('ends an episode when the pole passes 12 degrees, the cart 2.4, or after 200 steps', () => {
    const env = new CartPole(() => 0.5);
    env.reset();
    let steps = 1;
    while (!env.step(1).done) steps++;
    expect(Math.abs(env.state[2]) > (12 * Math.PI) / 180 || Math.abs(env.state[0]) > 2.4).toBe(true);
    expect(steps).toBeLessThan(200);

    // Upright and still, one step short of the limit: the next step ends the episode although the pole stands.
    env.reset();
    env.state = [0, 0, 0, 0];
    env.steps = 199;
    const last = env.step(1);
    expect(Math.abs(last.state[2])).toBeLessThan(0.01);
    expect(last.done).toBe(true);
  });

  it('is solved by REINFORCE (100-episode average >= 195), the same way on every run', () => {
    const a = trainCartPole({ seed: 1, episodes: 400, logEvery: 0 });
    expect(a.solvedAt).not.toBeNull();
    const last = a.returns.slice(-100);
    expect(last.reduce((s, r) => s + r, 0) / 100).toBeGreaterThanOrEqual(195);
    expect(a.returns.slice(0, 20).reduce((s, r) => s + r, 0) / 20).toBeLessThan(50);
    const b = trainCartPole({ seed: 1, episodes: 60, logEvery: 0 });
    expect(b.returns).toEqual(a.returns.slice(0, 60));
  });
});

describe('examples/autoencoder', () => {
  it('trains: the reconstruction error falls from its start and below the mean-image baseline', async () => {
    const r = await trainAutoencoder({ epochs: 3, trainSamples: 1000, testSamples: 200, verbose: 0 });
    expect(r.mse).toBeLessThan(r.initialMse / 2);
    // The mean image is what a network that ignores its input can reach at best.
    expect(r.mse).toBeLessThan(0.8 * r.baselineMse);
  });
});

describe('examples/mobilenet-mnist', () => {
  it('trains: the test accuracy rises well above chance', async () => {
    const r = await trainMobileNet({ epochs: 2, trainSamples: 1000, testSamples: 300, verbose: 0 });
    expect(r.initialAccuracy).toBeLessThan(0.3);
    expect(r.accuracy).toBeGreaterThan(0.3);
  });
});
