// Task-queue names, defined once for the workers that poll them and the workflows that schedule on them.

/** The queue of the send activity: the main queue's name with `-email`, so a workflow derives it from its own. */
export const emailTaskQueue = (taskQueue: string) => `${taskQueue}-email`;
