// einsum: values and gradients against float64 PyTorch (test/fixtures/ported-ops.json) for one, two and three
// operands with implicit and explicit outputs, diagonals and traces; finite-difference gradients; the errors.
import { describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { expectClose } from '../helpers/golden.js';
import { gradCheck, randomTensor } from '../helpers/gradcheck.js';
import { fixtureCases } from './ported-cases.js';

describe('einsum against float64 PyTorch', () => {
  fixtureCases((op) => op === 'einsum');
});

describe('einsum', () => {
  it('matches the ops it stands for', () => {
    const a = randomTensor([2, 3, 4, 5], 1);
    const b = randomTensor([2, 3, 6, 5], 2);
    const scores = tn.einsum('bhqd,bhkd->bhqk', a, b);
    expect(scores.shape).toEqual([2, 3, 4, 6]);
    expectClose(scores, { shape: [2, 3, 4, 6], data: tn.matMul(a, b, false, true).data() }, 1e-6, 1e-6);
    const m = tn.tensor([[1, 2], [3, 4]]);
    expect(tn.einsum('ij->ji', m).array()).toEqual([[1, 3], [2, 4]]);
    expect(tn.einsum('ii->i', m).array()).toEqual([1, 4]);
    expect(tn.einsum('ii', m).item()).toBe(5);
    expect(tn.einsum('i,i->', tn.tensor([1, 2, 3]), tn.tensor([4, 5, 6])).item()).toBe(32);
    expect(tn.einsum('i,j->ij', tn.tensor([1, 2]), tn.tensor([3, 4, 5])).array()).toEqual([[3, 4, 5], [6, 8, 10]]);
    expect(tn.einsum(' ij , jk -> ik ', m, m).array()).toEqual([[7, 10], [15, 22]]);
    // Implicit output: the indices used once, alphabetically ('ba' -> 'ab' is a transpose).
    expect(tn.einsum('ba', m).array()).toEqual([[1, 3], [2, 4]]);
    expect(tn.einsum('ij', tn.tensor([[1, 2]], undefined, 'int32')).dtype).toBe('float32');
    expect(tn.einsum('i->', tn.zeros([0])).item()).toBe(0);
  });
  it('gradients by finite differences', () => {
    gradCheck((x, y) => tn.einsum('bij,bjk->bik', x, y), [randomTensor([2, 3, 4], 3), randomTensor([2, 4, 2], 4)]);
    gradCheck((x, y) => tn.einsum('bhqd,bhkd->bhqk', x, y), [randomTensor([1, 2, 3, 4], 5), randomTensor([1, 2, 2, 4], 6)]);
    gradCheck((x) => tn.einsum('ii->i', x), [randomTensor([3, 3], 7)]);
    gradCheck((x, y, z) => tn.einsum('ij,jk,kl->il', x, y, z), [randomTensor([2, 3], 8), randomTensor([3, 2], 9), randomTensor([2, 2], 10)]);
  });
  it('refuses malformed equations, naming the operands and shapes', () => {
    const x = tn.zeros([2, 3]);
    const y = tn.zeros([4, 5]);
    expect(() => tn.einsum('...ij,jk->...ik', x, y)).toThrow("einsum: the ellipsis ('...') is not supported, received '...ij,jk->...ik'; name every axis with a letter");
    expect(() => tn.einsum('ij,jk->ik', x)).toThrow("einsum: equation 'ij,jk->ik' names 2 operand(s), received 1 tensor(s)");
    expect(() => tn.einsum('ij')).toThrow("einsum: equation 'ij' names 1 operand(s), received 0 tensor(s)");
    expect(() => tn.einsum('ijk->i', x)).toThrow("einsum: operand 0 has shape [2,3] (rank 2), but 'ijk' in equation 'ijk->i' names 3 axes");
    expect(() => tn.einsum('ij,jk->ik', x, y)).toThrow("einsum: index 'j' has size 3 in operand 0 (shape [2,3]) and 4 in operand 1 (shape [4,5]), equation 'ij,jk->ik'");
    expect(() => tn.einsum('ij->ik', x)).toThrow("einsum: output index 'k' appears in no operand, equation 'ij->ik'");
    expect(() => tn.einsum('ij->ii', x)).toThrow("einsum: output 'ii' repeats an index, equation 'ij->ii'");
    expect(() => tn.einsum('i1->i', x)).toThrow("einsum: indices must be letters, received 'i1' in equation 'i1->i'");
    expect(() => tn.einsum('ij->i->j', x)).toThrow("einsum: equation 'ij->i->j' has more than one '->'");
    expect(() => tn.einsum('ii->i', x)).toThrow("einsum: index 'i' has size 2 in operand 0 (shape [2,3]) and 3 in operand 0 (shape [2,3]), equation 'ii->i'");
    expect(() => tn.einsum(3 as unknown as string, x)).toThrow("einsum: equation must be a string such as 'ij,jk->ik', received 3");
  });
});
