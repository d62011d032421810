import * as mnist from './mnist.js';

export { mnist };
