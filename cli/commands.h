/* The command handlers of the table in cli/coffer.c, one file per group. */
#ifndef COFFER_CLI_COMMANDS_H
#define COFFER_CLI_COMMANDS_H

struct cli;

/* cli/cmd_account.c */
int cmd_account_create(struct cli *c);
int cmd_account_login(struct cli *c);
int cmd_account_logout(struct cli *c);
int cmd_account_status(struct cli *c);
/* cli/cmd_device.c */
int cmd_device_list(struct cli *c);
int cmd_device_approve(struct cli *c);
int cmd_device_remove(struct cli *c);
int cmd_device_rename(struct cli *c);
/* The changes to the account's devices since the user last saw them
 * (docs/PROTOCOL-devices.md §8), printed and under "changes" in JSON;
 * their number into *shown; with ${remember}, marked shown. Returns
 * CLI_OK or CLI_FAIL after reporting why. */
struct coffer_client;
int cmd_device_alerts(struct cli *c, struct coffer_client *cl, int remember,
    unsigned *shown);
int cmd_sync(struct cli *c);
/* cli/cmd_record.c */
int cmd_record_put(struct cli *c);
int cmd_record_get(struct cli *c);
int cmd_record_list(struct cli *c);
int cmd_record_delete(struct cli *c);
struct bset;

/* cli/cmd_backup.c */
int cmd_backup_create(struct cli *c);
int cmd_backup_list(struct cli *c);
int cmd_backup_ls(struct cli *c);
int cmd_backup_restore(struct cli *c);
int cmd_backup_forget(struct cli *c);
int cmd_backup_prune(struct cli *c);
int cmd_backup_check(struct cli *c);
int cmd_backup_unlock(struct cli *c);
/* --retry-lock (and --no-lock where the command has it) onto the open
 * set's repository. Returns CLI_OK or CLI_USAGE. */
int backup_lock_opts(struct cli *c, struct bset *set);
/* cli/cmd_backup_view.c */
int cmd_backup_diff(struct cli *c);
int cmd_backup_find(struct cli *c);
int cmd_backup_stats(struct cli *c);
/* cli/cmd_backup_mount.c */
int cmd_backup_mount(struct cli *c);

#endif
