// The reference program: Keras's MNIST CNN, line for line.
import { Sequential, layers, datasets } from 'tensornode';
const { Conv2D, MaxPooling2D, Flatten, Dense } = layers;

const [[trainImages, trainLabels], [testImages, testLabels]] = await datasets.mnist.loadData();

const model = new Sequential([
  new Conv2D(32, [3, 3], { activation: 'relu', inputShape: [28, 28, 1] }),
  new MaxPooling2D([2, 2]),
  new Flatten(),
  new Dense(128, { activation: 'relu' }),
  new Dense(10, { activation: 'softmax' }),
]);
model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
await model.fit(trainImages, trainLabels, { epochs: 5, validationData: [testImages, testLabels] });
const [testLoss, testAcc] = await model.evaluate(testImages, testLabels);
console.log('Test accuracy:', testAcc);
