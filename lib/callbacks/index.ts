export { Callback, CallbackList, CustomCallback, History, LambdaCallback } from './callback.js';
export type { Logs, LambdaCallbackArgs } from './callback.js';
export { ProgbarLogger, Progbar } from './progbar.js';
export { EarlyStopping, ReduceLROnPlateau, LearningRateScheduler, TerminateOnNaN, CSVLogger } from './builtin.js';
export type { EarlyStoppingArgs, ReduceLROnPlateauArgs } from './builtin.js';
import { EarlyStopping, type EarlyStoppingArgs } from './builtin.js';
/** TF.js's tf.callbacks.earlyStopping(args): new EarlyStopping(args) (monitor defaults to 'val_loss', as in both). */
export function earlyStopping(args: EarlyStoppingArgs = {}): EarlyStopping {
  return new EarlyStopping(args);
}
export { ModelCheckpoint, BackupAndRestore } from './checkpoint.js';
export type { ModelCheckpointArgs, BackupAndRestoreArgs } from './checkpoint.js';
export { TensorBoard } from './tensorboard.js';
export type { TensorBoardArgs } from './tensorboard.js';
