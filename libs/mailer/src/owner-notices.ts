import type { ControlPlaneConfig } from '@enclave/platform';
import type { WorkspaceEntity } from '@enclave/persistence';

type Workspace = Pick<WorkspaceEntity, 'id' | 'name'>;

/** Everything a workspace's owners are told by mail, with what each text needs. */
export type OwnerNotice =
  | { kind: 'provisioning_ready'; workspace: Workspace; nodeUrl: string }
  | { kind: 'provisioning_delayed'; workspace: Workspace }
  | { kind: 'payment_failed'; workspace: Workspace; graceEndsAt: Date }
  | { kind: 'first_payment_failed'; workspace: Workspace }
  | { kind: 'suspended'; workspace: Workspace }
  | { kind: 'canceled'; workspace: Workspace; deprovisionAt: Date };

export type OwnerNoticeConfig = Pick<
  ControlPlaneConfig,
  'PUBLIC_URL' | 'BILLING_GRACE_DAYS' | 'BILLING_DEPROVISION_DELAY_HOURS'
>;

function utc(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** The customer's text for a notice: what happened, what happens next and when, and where to act. */
export function composeOwnerNotice(notice: OwnerNotice, config: OwnerNoticeConfig): { subject: string; text: string } {
  const name = notice.workspace.name;
  const billingUrl = `${config.PUBLIC_URL.replace(/\/+$/, '')}/workspaces/${notice.workspace.id}/billing`;
  switch (notice.kind) {
    case 'provisioning_ready':
      return {
        subject: `Your Enclave workspace "${name}" is ready`,
        text: `Your workspace's own server is up and running at ${notice.nodeUrl}.\n\nYou can now configure your agents and channels from the dashboard.\n`,
      };
    case 'provisioning_delayed':
      return {
        subject: `Setting up your Enclave workspace "${name}" is delayed`,
        text: "We could not finish setting up your workspace's server yet. Our team has been notified and will retry shortly; you do not need to do anything.\n",
      };
    case 'payment_failed': {
      const when = utc(notice.graceEndsAt);
      return {
        subject: `Payment failed for ${name} on Enclave`,
        text:
          `We could not collect the latest payment for the workspace "${name}".\n\n` +
          `Your workspace keeps running until ${when}. Stripe will retry the payment; if it has not succeeded by then, ` +
          `the workspace will be suspended: your agents stop answering, and your data stays on your server.\n\n` +
          `To fix it now, update your card or pay the open invoice from the billing page: ${billingUrl}`,
      };
    }
    case 'first_payment_failed':
      return {
        subject: `Your bank payment for ${name} on Enclave did not go through`,
        text:
          `We could not collect the first payment for the workspace "${name}": the bank debit you authorised at checkout ` +
          `(for example SEPA Direct Debit) was refused or returned, so nothing was charged.\n\n` +
          `The workspace is not set up yet. Its server is built as soon as a payment succeeds.\n\n` +
          `To pay now, pay the open invoice or change the payment method from the billing page: ${billingUrl}`,
      };
    case 'suspended':
      return {
        subject: `${name} is suspended on Enclave`,
        text:
          `The workspace "${name}" is suspended because its payment failed and the ${config.BILLING_GRACE_DAYS}-day grace period is over.\n\n` +
          `Your agents no longer answer. Your data is kept on your server, untouched.\n\n` +
          `Pay the open invoice or update your card from the billing page and the workspace resumes at once: ` +
          `${billingUrl}\n\n` +
          `If the subscription ends unpaid, Stripe cancels it; the server and its data are then erased ${config.BILLING_DEPROVISION_DELAY_HOURS} hours later.`,
      };
    case 'canceled': {
      const when = utc(notice.deprovisionAt);
      return {
        subject: `Subscription canceled for ${name} on Enclave`,
        text:
          `The subscription of the workspace "${name}" was canceled.\n\n` +
          `On ${when} its server will be deprovisioned: the server and all conversation data on it will be erased for good. ` +
          `Export your data before then if you want to keep it.\n\n` +
          `Changed your mind? Subscribe again before ${when} from the billing page and nothing is erased: ${billingUrl}`,
      };
    }
  }
}
