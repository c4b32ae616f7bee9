import { CreateWorkflowTables1763800000000 } from './1763800000000-CreateWorkflowTables';
import { IndexExecutionsByWorkflowAndStatus1764900000000 } from './1764900000000-IndexExecutionsByWorkflowAndStatus';
import { IndexExecutionsForFlatFinds1765000000000 } from './1765000000000-IndexExecutionsForFlatFinds';
import { CreateWorkflowEventTables1765100000000 } from './1765100000000-CreateWorkflowEventTables';
import { CreateConcurrencySlots1765200000000 } from './1765200000000-CreateConcurrencySlots';
import { AddTimerDueAt1796666264918 } from './1796666264918-AddTimerDueAt';
import { IndexConcurrencySlotExpiry1796700000000 } from './1796700000000-IndexConcurrencySlotExpiry';
import { AddEventUndeliveredSince1796712000000 } from './1796712000000-AddEventUndeliveredSince';
import { CreateExecutionParts1796720000000 } from './1796720000000-CreateExecutionParts';
import { MarkExecutionsInLineForSlot1796730000000 } from './1796730000000-MarkExecutionsInLineForSlot';

/** Add these to the application's DataSource `migrations` to create the workflow tables. */
export const WORKFLOW_MIGRATIONS = [
  CreateWorkflowTables1763800000000,
  IndexExecutionsByWorkflowAndStatus1764900000000,
  IndexExecutionsForFlatFinds1765000000000,
  CreateWorkflowEventTables1765100000000,
  CreateConcurrencySlots1765200000000,
  AddTimerDueAt1796666264918,
  IndexConcurrencySlotExpiry1796700000000,
  AddEventUndeliveredSince1796712000000,
  CreateExecutionParts1796720000000,
  MarkExecutionsInLineForSlot1796730000000,
];
