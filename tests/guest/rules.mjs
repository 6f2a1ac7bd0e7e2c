// The stand-in tools' answers (see tests/guest/standin.c for the rule format), shared by every
// scenario: which answer applies is decided by flags the scenario sets (and the tools set or
// clear as they run, e.g. bcdedit /set testsigning on sets "ts").
import { THUMB } from './wine.mjs';

/**
 * The stand-ins' answers for a scenario `s`:
 *   secureBoot      bcdedit refuses `/set testsigning` (what Secure Boot does)
 *   tsPending       test signing is already set for the next boot (not active now)
 *   bitlocker       the system volume is BitLocker-protected
 *   pnputilFail     adding the viostor package fails: 'staged' (the package still reaches the
 *                   store, as a 0xE0000xxx install error can leave it) or 'rejected'
 *   running         viostor is running (uninstall must keep it)
 *   deleteFail      pnputil cannot remove the viostor package at uninstall
 *   psBlocked       Group Policy blocks PowerShell scripts (verify.ps1 never runs)
 *   mediaBad        verify.ps1 finds a changed file
 *   msiFail         msiexec fails to install a package (1603)
 *   msiReboot       msiexec installs it and asks for a restart (3010)
 * `toolCodes` ({x86, amd64}) are the product codes of the tool medium's two packages: installing
 * one adds its Uninstall key, removing it by its code deletes the key, as Windows Installer does.
 */
export function rules(toolCodes = null) {
  return [
    ...msiexecRules(toolCodes),
    ['net', '*', '-', 0, '-', '-'],
    ['fltmc', '*', '-', 0, '-', '-'],
    ['powershell', 'X509Certificate2Collection', '-', 0, THUMB, '-'],
    ['powershell', 'verify.ps1', 'psblocked', 1, 'File verify.ps1 cannot be loaded because running scripts is disabled on this system.', '-'],
    ['powershell', 'verify.ps1', 'mediabad', 1, 'changed: drivers/amd64/viostor/viostor.sys\\nverify: the medium does not match manifest.json (1 problem(s))', '-'],
    ['powershell', 'verify.ps1', '-', 0, 'verify: every file matches manifest.json', '-'],
    ['certutil', `-store Root ${THUMB}`, '!root', 1, '-', '-'],
    ['certutil', `-store TrustedPublisher ${THUMB}`, '!pub', 1, '-', '-'],
    ['certutil', '-addstore -f Root', '-', 0, '-', 'set:root'],
    ['certutil', '-addstore -f TrustedPublisher', '-', 0, '-', 'set:pub'],
    ['certutil', '-delstore Root', '-', 0, '-', 'clear:root'],
    ['certutil', '-delstore TrustedPublisher', '-', 0, '-', 'clear:pub'],
    ['bcdedit', '/enum', 'ts', 0, 'identifier              {current}\\ntestsigning             Yes', '-'],
    ['bcdedit', '/enum', '-', 0, 'identifier              {current}', '-'],
    ['bcdedit', 'testsigning on', 'secureboot', 1, 'An error occurred while attempting to modify the boot configuration data.\\nThe value is protected by Secure Boot policy and cannot be modified or deleted.', '-'],
    ['bcdedit', 'testsigning on', '-', 0, 'The operation completed successfully.', 'set:ts'],
    ['bcdedit', 'testsigning off', '-', 0, 'The operation completed successfully.', 'clear:ts'],
    ['bcdedit', '/deletevalue', '-', 0, 'The operation completed successfully.', 'clear:ts'],
    ['manage-bde', '-status', 'bitlocker', 0, 'Protection Status:    Protection On', '-'],
    ['manage-bde', '-status', '-', 1, 'Protection Status:    Protection Off', '-'],
    ['manage-bde', '-protectors', '-', 0, 'Key protectors are disabled for volume C:.', '-'],
    ['pnputil', 'viostor', 'failstaged', -536870334, 'Failed to install the driver: The hash for the file is not present in the specified catalog file.', 'addoem'],
    ['pnputil', 'viostor', 'failrejected', -536870334, 'Failed to add the driver package: The hash for the file is not present in the specified catalog file.', '-'],
    ['pnputil', '/add-driver', '-', 0, 'Driver package added successfully.', 'addoem'],
    ['pnputil', '-i -a', '-', 0, 'Driver package added successfully.', 'addoem'],
    ['pnputil', '/delete-driver', 'deletefail', 1, 'One or more devices are presently installed using the specified INF.', '-'],
    ['pnputil', '-d ', 'deletefail', 1, 'One or more devices are presently installed using the specified INF.', '-'],
    ['pnputil', '/delete-driver', '-', 0, 'Driver package deleted successfully.', 'deloem'],
    ['pnputil', '-d ', '-', 0, 'Driver package deleted successfully.', 'deloem'],
    ['sc', 'query viostor', 'running', 0, 'SERVICE_NAME: viostor\\n        STATE              : 4  RUNNING', '-'],
    ['sc', 'query', '-', 1060, '[SC] EnumQueryServicesStatus:OpenService FAILED 1060', '-'],
  ];
}


const UNINSTALL = 'SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\';

function msiexecRules(codes) {
  if (!codes) return [];
  const rows = [['msiexec', '/i', 'msifail', 1603, 'MainEngineThread is returning 1603', '-']];
  for (const [file, code] of [['qemu-ga-x86_64.msi', codes.amd64], ['qemu-ga-i386.msi', codes.x86]]) {
    rows.push(['msiexec', file, 'msireboot', 3010, '-', `regadd:${UNINSTALL}${code}`]);
    rows.push(['msiexec', file, '-', 0, '-', `regadd:${UNINSTALL}${code}`]);
    rows.push(['msiexec', `/x ${code}`, '-', 0, '-', `regdel:${UNINSTALL}${code}`]);
  }
  rows.push(['msiexec', '/x', '-', 1605, 'This action is only valid for products that are currently installed.', '-']);
  return rows;
}
