export { Callback, CallbackList, History, LambdaCallback } from './callback.js';
export type { Logs, LambdaCallbackArgs } from './callback.js';
export { ProgbarLogger, Progbar } from './progbar.js';
export { EarlyStopping, ReduceLROnPlateau, LearningRateScheduler, TerminateOnNaN, CSVLogger } from './builtin.js';
export type { EarlyStoppingArgs, ReduceLROnPlateauArgs } from './builtin.js';
export { ModelCheckpoint, BackupAndRestore } from './checkpoint.js';
export type { ModelCheckpointArgs, BackupAndRestoreArgs } from './checkpoint.js';
export { TensorBoard } from './tensorboard.js';
export type { TensorBoardArgs } from './tensorboard.js';
