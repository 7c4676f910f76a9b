/**
 * Oqu in the learner's JupyterLab. On a notebook of an Oqu assignment (`<course>/<assignment>/….ipynb`,
 * as the LMS places them): a toolbar button Тапсыру / Сдать / Tapsyru that saves every open notebook of
 * the assignment, shows what handing in now means (attempts left, due date, late penalty), then
 * submits; the Oqu panel follows the grading and shows the score and feedback when it ends. Strings
 * come from the `oqu_lab` domain in JupyterLab's translations (lms/hub/oqulab/oqu_lab/locale).
 */
import { ILabShell, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { Dialog, ToolbarButton, showDialog, showErrorMessage } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { ITranslator, TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { IAssignment, assignmentOf, submit } from './lms';
import { OquPanel, formatDue, refusalText } from './panel';

const DOMAIN = 'oqu_lab';

function confirmation(trans: TranslationBundle, assignment: IAssignment): Widget {
  const body = document.createElement('div');
  body.dataset.testid = 'oqu-confirm';
  const line = (text: string) => {
    const p = document.createElement('p');
    p.textContent = text;
    body.append(p);
  };
  line(trans.__('Your notebooks of «%1» are saved and will be submitted for grading.', assignment.title));
  line(
    assignment.attempts_left === null
      ? trans.__('There is no limit on attempts.')
      : trans.__('Attempts left after this one: %1 of %2', assignment.attempts_left - 1, assignment.max_attempts ?? 0)
  );
  line(assignment.due ? trans.__('Due: %1', formatDue(assignment.due)) : trans.__('There is no due date.'));
  if (assignment.late_now) {
    line(
      assignment.late_penalty_now
        ? trans.__('The due date has passed: this submission loses %1 % of its points.', assignment.late_penalty_now)
        : trans.__('The due date has passed: this submission is marked late.')
    );
  }
  return new Widget({ node: body });
}

async function saveAssignmentNotebooks(tracker: INotebookTracker, folder: string): Promise<void> {
  const saving: Promise<void>[] = [];
  tracker.forEach(panel => {
    if (panel.context.path.startsWith(folder + '/') && !panel.context.model.readOnly) {
      saving.push(panel.context.save());
    }
  });
  await Promise.all(saving);
}

async function handIn(
  app: JupyterFrontEnd,
  tracker: INotebookTracker,
  trans: TranslationBundle,
  panel: OquPanel,
  path: string
): Promise<void> {
  let assignment: IAssignment | null;
  try {
    assignment = await assignmentOf(path); // fresh: attempts and the penalty as of now
  } catch (error) {
    await showErrorMessage(trans.__('Not submitted'), refusalText(trans, error));
    return;
  }
  if (!assignment) {
    return;
  }
  await saveAssignmentNotebooks(tracker, assignment.folder);
  if (assignment.refusal) {
    await showErrorMessage(trans.__('Not submitted'), assignment.refusal);
    return;
  }
  const answer = await showDialog({
    title: trans.__('Submit the assignment?'),
    body: confirmation(trans, assignment),
    buttons: [Dialog.cancelButton({ label: trans.__('Cancel') }), Dialog.okButton({ label: trans.__('Submit') })]
  });
  if (!answer.button.accept) {
    return;
  }
  try {
    const state = await submit(assignment.course, assignment.assignment);
    if (!panel.isAttached) {
      app.shell.add(panel, 'right', { rank: 100 });
    }
    app.shell.activateById(panel.id);
    panel.follow(state);
    void panel.showCourse(assignment.course);
  } catch (error) {
    await showErrorMessage(trans.__('Not submitted'), refusalText(trans, error));
  }
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: '@oqu/lab:plugin',
  description: 'Submit Oqu assignments from JupyterLab and see their grading.',
  autoStart: true,
  requires: [INotebookTracker, ITranslator],
  optional: [ILabShell],
  activate: (app: JupyterFrontEnd, tracker: INotebookTracker, translator: ITranslator) => {
    const trans = translator.load(DOMAIN);
    const panel = new OquPanel(trans);
    let courseShown = '';

    const decorate = async (notebook: NotebookPanel) => {
      await notebook.context.ready;
      let assignment: IAssignment | null = null;
      try {
        assignment = await assignmentOf(notebook.context.path);
      } catch (error) {
        return; // not reachable now: the button comes with the next opening
      }
      if (!assignment || notebook.isDisposed) {
        return;
      }
      const button = new ToolbarButton({
        className: 'oqu-submit-button',
        label: trans.__('Submit'),
        tooltip: trans.__('Save and submit this assignment for grading'),
        onClick: () => void handIn(app, tracker, trans, panel, notebook.context.path)
      });
      button.node.dataset.testid = 'oqu-submit';
      notebook.toolbar.insertItem(0, 'oqu-submit', button);
      if (courseShown !== assignment.course) {
        courseShown = assignment.course;
        if (!panel.isAttached) {
          app.shell.add(panel, 'right', { rank: 100 });
        }
        void panel.showCourse(assignment.course);
      }
    };
    tracker.widgetAdded.connect((_tracker, notebook) => void decorate(notebook));
    tracker.forEach(notebook => void decorate(notebook));
  }
};

export default plugin;
