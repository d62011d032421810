// Float64 reference implementations for the elementwise maps, used where the golden files have no case
// (odd lengths, vector tails, extreme and non-finite inputs).

// erfc by W. J. Cody's rational approximations (relative error below 1e-15 in double), via the standard
// three-interval split.
function erfcCody(x: number): number {
  const ax = Math.abs(x);
  let result: number;
  if (ax < 0.5) {
    const t = x * x;
    const top = ((((0.185777706184603153 * t + 3.16112374387056560) * t + 113.864154151050156) * t + 377.485237685302021) * t + 3209.37758913846947);
    const bot = ((((t + 23.6012909523441209) * t + 244.024637934444173) * t + 1282.61652607737228) * t + 2844.23683343917062);
    return 1 - (x * top) / bot;
  } else if (ax < 4) {
    const top = (((((((2.15311535474403846e-8 * ax + 0.564188496988670089) * ax + 8.88314979438837594) * ax + 66.1191906371416295) * ax + 298.635138197400131) * ax + 881.952221241769090) * ax + 1712.04761263407058) * ax + 2051.07837782607147) * ax + 1230.33935479799725;
    const bot = (((((((ax + 15.7449261107098347) * ax + 117.693950891312499) * ax + 537.181101862009858) * ax + 1621.38957456669019) * ax + 3290.79923573345963) * ax + 4362.61909014324716) * ax + 3439.36767414372164) * ax + 1230.33935480374942;
    result = (Math.exp(-ax * ax) * top) / bot;
  } else {
    const z = 1 / (ax * ax);
    const top = ((((0.0163153871373020978 * z + 0.305326634961232344) * z + 0.360344899949804439) * z + 0.125781726111229246) * z + 0.0160837851487422766) * z + 6.58749161529837803e-4;
    const bot = ((((z + 2.56852019228982242) * z + 1.87295284992346725) * z + 0.527905102951428412) * z + 0.0605183413124413191) * z + 0.00233520497626869185;
    const r = (z * top) / bot;
    result = (Math.exp(-ax * ax) / ax) * (0.564189583547756287 - r);
  }
  return x < 0 ? 2 - result : result;
}

export const normalCdf = (x: number): number => 0.5 * erfcCody(-x / Math.SQRT2);
const sigmoid = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
const seluAlpha = 1.6732632423543772848170429916717;
const seluScale = 1.0507009873554804934193349852946;

/** y = f(x) in float64 for each activation and unary map, keyed by op name (alpha where the op takes one). */
export const unaryReference: Record<string, (x: number, alpha: number) => number> = {
  neg: (x) => -x,
  abs: (x) => Math.abs(x),
  exp: (x) => Math.exp(x),
  log: (x) => Math.log(x),
  sqrt: (x) => Math.sqrt(x),
  rsqrt: (x) => 1 / Math.sqrt(x),
  square: (x) => x * x,
  reciprocal: (x) => 1 / x,
  log1p: (x) => Math.log1p(x),
  expm1: (x) => Math.expm1(x),
  sin: (x) => Math.sin(x),
  cos: (x) => Math.cos(x),
  floor: (x) => Math.floor(x),
  ceil: (x) => Math.ceil(x),
  round: (x) => {
    const r = Math.round(x);
    return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  },
  sign: (x) => Math.sign(x),
  relu: (x) => (Number.isNaN(x) ? x : Math.max(0, x)),
  relu6: (x) => (Number.isNaN(x) ? x : Math.min(6, Math.max(0, x))),
  leakyRelu: (x, a) => (x < 0 ? a * x : x),
  elu: (x, a) => (x > 0 ? x : a * Math.expm1(x)),
  selu: (x) => seluScale * (x > 0 ? x : seluAlpha * Math.expm1(x)),
  sigmoid,
  hardSigmoid: (x) => (Number.isNaN(x) ? x : Math.min(1, Math.max(0, x / 6 + 0.5))),
  tanh: (x) => Math.tanh(x),
  softplus: (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))),
  softsign: (x) => x / (1 + Math.abs(x)),
  swish: (x) => x * sigmoid(x),
  gelu: (x) => x * normalCdf(x),
  geluTanh: (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x))),
};
